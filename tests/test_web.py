"""The web edition and the archive: valid HTML5, what a reader needs, and no overflow on a phone."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aireport.editions.typography import without_glue

from browser import CHROMIUM, evaluate, orphans, scroll_width
from conftest import ROOT, publish_project

VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("web") / "dist"
    return publish_project(ROOT, out, "2020", only=("web", "archive"))


class Collector(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]


def page(web: Path, path: str) -> str:
    return (web / path).read_text(encoding="utf-8")


@pytest.mark.skipif(not (VNU.is_file() and shutil.which("java")), reason="run `bash tools/dev test` to fetch vnu.jar")
def test_pages_are_valid_html5(web):
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "text",
                             str(web / "2020" / "index.html"), str(web / "2019" / "index.html"),
                             str(web / "index.html")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", ["index.html", "2020/index.html"])
def test_every_page_has_language_and_feed_autodiscovery(web, path):
    html = Collector(page(web, path))
    assert html.find("html")[0]["lang"] == "zh-CN"
    atom = html.find("link", rel="alternate", type="application/atom+xml")
    rss = html.find("link", rel="alternate", type="application/rss+xml")
    assert [a["href"] for a in atom + rss] == ["https://aireport.example.org/atom.xml",
                                               "https://aireport.example.org/rss.xml"]
    stylesheet = html.find("link", rel="stylesheet")[0]["href"]
    assert (web / path).parent.joinpath(stylesheet).resolve().is_file()


def test_year_page_has_summary_toc_ranked_list_and_credits(web):
    text = page(web, "2020/index.html")
    html = Collector(text)
    ids = {a["id"] for _, a in html.tags if "id" in a}
    toc = [a["href"][1:] for a in html.find("a") if a.get("href", "").startswith("#")]
    assert toc and set(toc) <= ids
    assert "chapter-1" in toc and "ranked" in toc and "summary" in toc
    ranks = [int(a["value"]) for a in html.find("li") if "value" in a]
    assert ranks == list(range(10, 0, -1))
    assert "reversed" in html.find("ol", **{"class": "ranked-list"})[0]
    assert text.index('class="summary"') < text.index('id="chapter-1"') < text.index('id="sources"')
    visible = re.sub(r"<[^>]+>", "", text)
    assert "制版编辑 | 卢卡斯" in visible and "pixabay.com" in visible and "https://github.com/chenzomi12/AIFoundation" in text
    assert [a["href"] for a in html.find("a") if "download" in a] == ["aireport-2020.pdf"]


@pytest.mark.parametrize("path", ["index.html", "2020/index.html"])
def test_relative_links_resolve_to_published_files(web, path):
    folder = (web / path).parent
    for href in re.findall(r'href="([^"#]+)"', page(web, path)):
        if href.startswith(("https://", "http://", "mailto:")) or href.endswith(".pdf"):
            continue  # web links, and the booklet, which this web-only build leaves out
        target = (folder / href).resolve()
        assert (target / "index.html" if href.endswith("/") else target).is_file(), href


def test_archive_lists_every_report_newest_first(web):
    html = Collector(page(web, "index.html"))
    years = [a["href"] for a in html.find("a") if re.fullmatch(r"\d{4}/", a.get("href", ""))]
    reports = sorted((p.stem for p in (ROOT / "issues").glob("*.md")), reverse=True)
    assert list(dict.fromkeys(years)) == [f"{year}/" for year in reports]


@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium package")
@pytest.mark.parametrize("width", [375, 1280])
def test_page_does_not_overflow_horizontally(web, width):
    assert scroll_width(web / "2020" / "index.html", width) <= width


# --- Chinese typesetting: measured in the browser -------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium package")
@pytest.mark.parametrize("width", [375, 600])
def test_no_block_ends_on_a_line_of_one_character(web, width):
    assert orphans(web / "2020" / "index.html", width) == []


PILL_HEIGHTS = "Array.from(doc.querySelectorAll('.links a')).map(function (a) { return a.getClientRects().length === 1 ? a.getBoundingClientRect().height : -1; })"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium package")
def test_link_pills_stay_one_line_high_on_a_phone(web):
    heights = evaluate(web / "2020" / "index.html", 375, PILL_HEIGHTS)
    assert len(heights) > 10 and min(heights) > 0
    assert max(heights) - min(heights) < 1  # a pill folded onto two lines would be twice as high


def test_toc_entries_carry_one_number(web):
    toc = page(web, "2020/index.html").split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    entries = [re.sub(r"<[^>]+>", "", entry).strip() for entry in re.findall(r"<li>(.*?)</li>", without_glue(toc), re.S)]
    assert entries[:4] == ["年度时间线", "01 算法与模型发展", "02 芯片与产业发展", "03 AI 伦理与偏见"]
    assert "list-style: none" in re.search(r"\.toc ol \{[^}]*\}", (ROOT / "templates/web/style.css").read_text()).group(0)


def test_hyphenated_names_never_break(web):
    body = page(web, "2020/index.html").split("<body>", 1)[1]
    body = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)  # drawings: SVG text never wraps
    text = re.sub(r"<[^>]+>", lambda tag: tag.group(0) if "nowrap" in tag.group(0) or tag.group(0) == "</span>" else "", body)
    unbreakable = re.findall(r'<span style="white-space:nowrap">[^<]*GPT-3[^<]*</span>', text)
    assert text.count("GPT-3") > 10
    assert len(unbreakable) == text.count("GPT-3")
