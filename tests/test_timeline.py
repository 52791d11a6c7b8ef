"""The timeline of the year: dates read from the text, one drawing as SVG and PNG, on the web page,
in the e-mail and in the booklet."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from aireport.config import load_config
from aireport.editions.raster import drawing_png
from aireport.editions.timeline import extract_events, lay_out, timeline_svg
from aireport.report.loader import load_report
from conftest import ROOT, publish_project

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def report_2020():
    return load_report(ROOT / "issues" / "2020.md")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("timeline") / "dist"
    return publish_project(ROOT, out, "2020", "2021", only=("web", "email", "archive"))


def test_events_carry_month_and_day_in_date_order_grouped_by_chapter(report_2020):
    timeline = extract_events(report_2020)
    dates = [(e.month, e.day or 0) for e in timeline.events]
    assert dates == sorted(dates)
    listed = {(e.month, e.day, e.title) for e in timeline.events}
    assert (7, 20, "AI 芯片上市") in listed and (5, None, "A100 GPU") in listed  # an item's own label
    assert (11, 30, "AlphaFold2（DeepMind）攻克蛋白质结构预测难题") in listed  # a ranked entry's title
    assert (12, None, "北大团队首次用相变存储器实现神经网络高速训练系统") in listed
    assert [g.title for g in timeline.groups] == ["算法与模型发展", "芯片与产业发展", report_2020.ranked.title]
    assert [g.number for g in timeline.groups] == ["01", "02", "榜"]


def test_dates_of_another_year_stay_off_the_axis():
    timeline = extract_events(load_report(ROOT / "issues" / "2021.md"))
    assert all("2022 年" not in e.text for e in timeline.events)
    assert (1, 7, "地平线") in {(e.month, e.day, e.title) for e in timeline.events}


def test_svg_is_an_image_with_a_title_and_a_dot_per_event(report_2020):
    svg = timeline_svg(report_2020)
    assert svg == timeline_svg(report_2020)
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert root.get("aria-labelledby") == title.get("id") and "15 个有日期的事件" in title.text
    timeline = extract_events(report_2020)
    dots = root.findall(f".//{SVG}circle")
    assert len(dots) == len(timeline.events) + len(timeline.groups)  # the legend has one per chapter
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "20 日　AI 芯片上市" in texts and "12 月" in texts


def test_png_is_the_drawing_at_twice_its_size_and_the_same_bytes_each_time(report_2020):
    drawing = lay_out(extract_events(report_2020))
    config = load_config(ROOT)
    png = drawing_png(drawing, config)
    assert png == drawing_png(drawing, config)
    image = Image.open(io.BytesIO(png))
    assert image.size == (drawing.width * 2, drawing.height * 2)
    # Text was drawn: the label column holds dark pixels, not only the dots' colours.
    label_column = image.convert("L").crop((200, 0, image.width, image.height))
    assert label_column.getextrema()[0] < 80


def test_web_page_shows_the_drawing_and_lists_the_same_events(site):
    html = (site / "2020" / "index.html").read_text(encoding="utf-8")
    start, end = html.index('<section class="section timeline"'), html.index("</section>", html.index('id="timeline"'))
    section = ET.fromstring(html[start:end + len("</section>")])
    chart = section.find(f".//{SVG}svg")
    assert chart.get("role") == "img" and chart.get("aria-labelledby") == "timeline-title"
    items = section.findall(".//ol[@class='timeline-list']/li")
    assert len(items) == len(extract_events(load_report(ROOT / "issues" / "2020.md")).events)
    assert items[0].find("time").get("datetime") == "2020-05"
    assert any(li.find("time").get("datetime") == "2020-07-20" for li in items)
    assert html.index('href="#timeline"') < html.index('id="timeline"') < html.index('id="chapter-1"')
    with Image.open(site / "2020" / "timeline.png") as png:
        assert png.format == "PNG" and png.width == 2 * int(chart.get("width"))


def test_email_links_the_published_png_with_alt_text_and_a_text_list(site):
    html = (site / "2020" / "email.html").read_text(encoding="utf-8")
    assert "<svg" not in html
    start = html.index('<img class="timeline-image"')
    tag = html[start:html.index(">", start)]
    assert 'src="https://aireport.example.org/2020/timeline.png"' in tag
    assert 'alt="2020 年时间线：15 个有日期的事件' in tag and 'width="536"' in tag
    assert "7 月 20 日　AI 芯片上市" in re.sub(r"<[^>]+>", "", html[start:])
    assert len(html.encode()) < 80 * 1024


def test_booklet_has_the_timeline_on_its_own_page_after_the_contents(report_2020):
    from aireport.editions.booklet.fonts import find_fonts
    from aireport.editions.booklet.prepare import booklet_html
    from aireport.editions.site import Site
    from aireport.editions.templating import make_environment

    config = load_config(ROOT)
    site = Site(config, make_environment(config.templates_dir), (report_2020,))
    html = booklet_html(report_2020, site, find_fonts(config.root, config.font_dir), embed_fonts=False, cache=None)
    contents, timeline = html.index('id="contents"'), html.index('id="timeline"')
    assert contents < timeline < html.index('id="editors-note"')
    page = html[timeline:html.index("</section>", timeline)]
    assert "break-before: page" in html[timeline - 80:timeline + 80] and '<svg' in page and 'width="100%"' in page
    assert "font-family=\"'Noto" in page  # the booklet's own face, not the web's list
