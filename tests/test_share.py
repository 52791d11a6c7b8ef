"""Sharing: Open Graph and Twitter tags, social cards, the favicon, sitemap.xml and robots.txt."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from aireport.config import load_config
from aireport.editions.raster import faces
from aireport.editions.share import site_card, year_card
from aireport.report.loader import load_report
from conftest import ROOT, publish_project

SITE_URL = "https://aireport.example.org/"
PAGES = ("index.html", "2020/index.html", "2019/index.html", "subscribe/index.html")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("share") / "dist"
    return publish_project(ROOT, out, "2019", "2020", only=("web", "archive", "sitemap"))


class Head(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs["content"]
        if tag == "link":
            self.links.append(attrs)


def head(site: Path, page: str) -> Head:
    return Head((site / page).read_text(encoding="utf-8"))


def local(site: Path, url: str) -> Path:
    assert url.startswith(SITE_URL), url
    path = url.removeprefix(SITE_URL)
    return site / (path + "index.html" if path.endswith("/") or not path else path)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_canonical_url_and_open_graph_and_twitter_tags(site, page):
    tags = head(site, page)
    canonical = [link["href"] for link in tags.links if link.get("rel") == "canonical"]
    assert len(canonical) == 1 and canonical[0] == tags.meta["og:url"]
    assert local(site, canonical[0]) == site / page
    assert tags.meta["og:locale"] == "zh_CN" and tags.meta["twitter:card"] == "summary_large_image"
    assert tags.meta["og:title"] and tags.meta["og:description"] and tags.meta["og:image:alt"]
    image = tags.meta["og:image"]
    assert image == tags.meta["twitter:image"]
    with Image.open(local(site, image)) as card:
        assert card.format == "PNG" and card.size == (1200, 630)
        assert (str(card.size[0]), str(card.size[1])) == (tags.meta["og:image:width"], tags.meta["og:image:height"])


def test_year_page_shares_its_own_card_and_title(site):
    tags = head(site, "2020/index.html")
    assert tags.meta["og:type"] == "article" and tags.meta["og:title"] == "2020 AI 年度回顾"
    assert tags.meta["og:image"] == SITE_URL + "2020/card.png"
    assert tags.meta["og:description"] == load_report(ROOT / "issues" / "2020.md").summary


@pytest.mark.parametrize("page", PAGES)
def test_favicons_are_linked_and_published(site, page):
    tags = head(site, page)
    icons = {link["href"]: link for link in tags.links if link.get("rel") in ("icon", "apple-touch-icon")}
    assert len(icons) == 3
    for href in icons:
        assert (site / page).parent.joinpath(href).resolve().is_file()
    assert (site / "favicon.svg").read_bytes().startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    with Image.open(site / "favicon.ico") as ico:
        assert ico.format == "ICO" and (16, 16) in ico.info["sizes"] and (32, 32) in ico.info["sizes"]


def test_cards_are_drawn_in_a_simplified_chinese_face_and_the_same_each_time():
    config = load_config(ROOT)
    regular, bold = faces(config)
    assert "CJK" in regular[0] or "SC" in regular[0] or "Han" in regular[0]
    report = load_report(ROOT / "issues" / "2020.md")
    card = year_card(report, config)
    assert card == year_card(report, config)
    assert site_card(config, [2020, 2019]) == site_card(config, [2020, 2019])
    image = Image.open(io.BytesIO(card)).convert("L")
    # The title line (2020 AI 年度回顾) is drawn: dark pixels across where the Han characters sit.
    title_band = image.crop((300, 290, 600, 360))
    assert title_band.getextrema()[0] < 60


def test_sitemap_lists_every_page_by_its_canonical_url_and_robots_points_to_it(site):
    root = ET.parse(site / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    canonical = [next(l["href"] for l in head(site, page).links if l.get("rel") == "canonical") for page in PAGES]
    years = sorted(int(path.stem) for path in (ROOT / "issues").glob("*.md"))
    assert set(canonical) <= set(locations)
    assert locations == [SITE_URL] + [f"{SITE_URL}{year}/" for year in reversed(years)] + [f"{SITE_URL}subscribe/"]
    newest = max(load_report(ROOT / "issues" / f"{year}.md").updated for year in years)
    assert root.find("s:url/s:lastmod", ns).text == newest.date().isoformat()
    robots = (site / "robots.txt").read_text()
    assert "User-agent: *" in robots and f"Sitemap: {SITE_URL}sitemap.xml" in robots
