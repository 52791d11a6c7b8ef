"""The subscribe page, and feeds that show as a page when a browser opens them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from lxml import etree

from aireport.report.loader import load_report
from conftest import ROOT, publish_project

ATOM = "https://aireport.example.org/atom.xml"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("subscribe") / "dist"
    return publish_project(ROOT, out, "2020", only=("web", "archive", "feed", "jsonfeed"))


def test_subscribe_page_gives_feed_addresses_reader_buttons_and_the_e_mail(site):
    html = (site / "subscribe" / "index.html").read_text(encoding="utf-8")
    addresses = re.findall(r'<code class="feed-url">([^<]+)</code>', html)
    assert addresses == [ATOM, "https://aireport.example.org/rss.xml", "https://aireport.example.org/feed.json"]
    encoded = quote(ATOM, safe="")
    for reader_url in (f"https://feedly.com/i/subscription/feed/{encoded}", f"https://www.inoreader.com/?add_feed={encoded}",
                       f"https://www.newsblur.com/?url={encoded}", f"https://theoldreader.com/feeds/subscribe?url={encoded}"):
        assert f'href="{reader_url}"' in html
    assert re.search(r'写信至 <a href="mailto:editor@aireport.example.org\?subject=[^"]+">editor@aireport.example.org</a> 订阅电子邮件版', html)
    assert '<link rel="canonical" href="https://aireport.example.org/subscribe/">' in html
    assert (site / "subscribe").joinpath(re.search(r'<link rel="stylesheet" href="([^"]+)"', html)[1]).resolve().is_file()


@pytest.mark.parametrize("page, link", [("2020/index.html", "../subscribe/index.html"),
                                        ("index.html", "subscribe/index.html")])
def test_pages_point_their_subscribe_links_at_the_page_not_the_raw_feed(site, page, link):
    html = (site / page).read_text(encoding="utf-8")
    nav = html[html.index('<nav class="site-nav"'):html.index("</nav>")]
    assert f'<a href="{link}">订阅</a>' in nav and ATOM not in nav
    if page.startswith("2020"):
        assert f'<a class="button secondary" href="{link}">订阅更新</a>' in html


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_feeds_carry_a_stylesheet_for_browsers_and_still_parse(site, name):
    data = (site / name).read_bytes()
    instruction = re.search(rb'^<\?xml-stylesheet type="text/xsl" href="([^"]+)"\?>$', data.split(b"\n")[1])
    assert instruction
    stylesheet = site / instruction[1].decode()
    assert stylesheet.is_file()
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.entries[0].title == "2022 AI 年度回顾"
    page = etree.XSLT(etree.parse(str(stylesheet)))(etree.fromstring(data))
    html = etree.tostring(page, encoding="unicode", method="html")
    assert "这是一个订阅源（feed）" in html and f"<code>https://aireport.example.org/{name}</code>" in html
    assert html.count("<section>") == len(parsed.entries) and "2020 AI 年度回顾" in html
    assert 'href="https://aireport.example.org/2020/"' in html
    published = load_report(ROOT / "issues" / "2020.md").date
    assert (published.date().isoformat() if name == "atom.xml" else published.strftime("%a, %d %b %Y</p>")) in html
