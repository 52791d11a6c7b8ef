"""Covers: the report's own image in several widths with its credit, or the drawn typographic cover."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from aireport.editions.cover import cover_svg, wrap
from aireport.report.loader import load_report
from conftest import FIXTURE, ROOT, make_project, publish_project

SVG = "{http://www.w3.org/2000/svg}"


def with_cover(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    (root / "issues" / "images").mkdir()
    image = Image.new("RGB", (1600, 1000), "#335577")
    image.paste(Image.new("RGB", (400, 400), "#ffcc00"), (600, 300))
    image.save(root / "issues" / "images" / "cover.jpg", quality=95)
    report = root / "issues" / "2020.md"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("draft: false\n", "cover:\n  image: images/cover.jpg\n  alt: 一块黄色方块\n"
                                   "  credit: 编辑部摄\ndraft: false\n", 1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def covered_site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("cover")
    return publish_project(with_cover(base), base / "dist", "2020", only=("web", "archive"))


def test_a_cover_image_comes_in_three_widths_with_alt_text_and_credit(covered_site):
    html = (covered_site / "2020" / "index.html").read_text(encoding="utf-8")
    img = re.search(r'<img src="([^"]+)" srcset="([^"]+)" sizes="[^"]+" width="(\d+)" height="(\d+)" alt="([^"]+)"', html)
    assert img and img[5] == "一块黄色方块" and "封面图片：编辑部摄" in html
    candidates = [part.split() for part in img[2].split(", ")]
    assert [c[1] for c in candidates] == ["360w", "720w", "1080w"]
    for path, width in candidates:
        with Image.open(covered_site / "2020" / path) as copy:
            assert copy.format == "JPEG" and f"{copy.width}w" == width
            assert copy.height == round(1000 * copy.width / 1600) and not copy.info.get("exif")
    assert (img[3], img[4]) == ("1080", "675")
    archive = (covered_site / "index.html").read_text(encoding="utf-8")
    assert 'srcset="2020/cover-360.jpg 360w, 2020/cover-720.jpg 720w, 2020/cover-1080.jpg 1080w"' in archive


def test_cover_copies_are_the_same_bytes_each_build(covered_site, tmp_path):
    again = publish_project(with_cover(tmp_path), tmp_path / "dist", "2020", only=("web",))
    for name in ("cover-360.jpg", "cover-720.jpg", "cover-1080.jpg"):
        assert (again / "2020" / name).read_bytes() == (covered_site / "2020" / name).read_bytes()


def test_without_a_cover_image_the_page_and_archive_show_the_drawn_cover(tmp_path):
    site = publish_project(make_project(tmp_path / "project"), tmp_path / "dist", "2020", only=("web", "archive"))
    for page in ("2020/index.html", "index.html"):
        html = (site / page).read_text(encoding="utf-8")
        start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="cover-art"')
        svg = ET.fromstring(html[start:html.index("</svg>", start) + 6])
        texts = [t.text for t in svg.iter(f"{SVG}text")]
        assert "2020" in texts and "用于测试的小型报告" in texts
        assert ["2020 AI 年度回顾", "（样例）"] == texts[2:4]  # no orphan, the bracket kept with its word
        assert svg.get("aria-hidden") == "true"
    assert not list((site / "2020").glob("cover-*"))


def test_drawn_cover_wraps_long_titles_and_never_starts_a_line_with_closing_punctuation():
    report = load_report(ROOT / "issues" / "2022.md")
    svg = cover_svg(report, "AI 年度回顾")
    assert svg == cover_svg(report, "AI 年度回顾")
    lines = wrap("这是一个相当长的标题，需要折行。再来一句很长很长的文字，看看效果如何！", 8, 10)
    assert all(line[0] not in "，。！" for line in lines)
    assert "".join(lines) == "这是一个相当长的标题，需要折行。再来一句很长很长的文字，看看效果如何！"
    assert wrap("GPT-3 与 AlphaFold2", 6, 5) == ["GPT-3 与", "AlphaFold2"]
    assert wrap("一二三四五六七八九十", 4, 2) == ["一二三四", "五六七…"]


def test_fixture_reports_have_no_local_cover():
    assert load_report(FIXTURE / "issues" / "2020.md").cover is None
