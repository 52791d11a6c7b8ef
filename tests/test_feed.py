"""The Atom and RSS feeds: fields as feedparser and newsboat read them, order, limits, URLs, dates."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import feedgen.entry
import feedgen.feed
import feedparser
import pytest
from lxml import etree

from aireport.config import load_config
from aireport.report.loader import load_report
from aireport.editions.feeds import render_feeds
from aireport.editions.site import Site
from aireport.editions.templating import make_environment

from conftest import FIXTURE, ROOT, publish_project

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
FEEDS = ("atom.xml", "rss.xml")
FIXTURE_SITE = "https://reports.example.org/ai"  # tests/data/fixture/pyproject.toml
REAL_SITE = "https://aireport.example.org"  # pyproject.toml


def parsed(dist: Path, name: str) -> feedparser.FeedParserDict:
    return feedparser.parse((dist / name).read_bytes())


def report(root: Path, year: int):
    return load_report(root / "issues" / f"{year}.md")


def content_of(dist: Path, name: str) -> list[str]:
    """Each entry's HTML content exactly as written into the feed, in document order."""
    root = etree.fromstring((dist / name).read_bytes())
    if name == "atom.xml":
        return [e.findtext(f"{ATOM}content") for e in root.iter(f"{ATOM}entry")]
    return [item.findtext(CONTENT_ENCODED) for item in root.iter("item")]


def render_direct(root: Path, years: tuple[int, ...], pdf_sizes=None, **settings) -> dict[str, bytes]:
    """The feed edition alone, over reports loaded from `root`, without a publish."""
    config = replace(load_config(root), **settings)
    reports = tuple(report(root, year) for year in years)
    return render_feeds(Site(config, make_environment(config.templates_dir), reports, pdf_sizes or {}))


# --- feedparser over the fixture report ------------------------------------------------------

@pytest.mark.parametrize("name, version", [("atom.xml", "atom10"), ("rss.xml", "rss20")])
def test_feeds_parse_cleanly(fixture_dist, name, version):
    feed = parsed(fixture_dist, name)
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version == version
    assert len(feed.entries) == 1


@pytest.mark.parametrize("name, self_type", [("atom.xml", "application/atom+xml"),
                                              ("rss.xml", "application/rss+xml")])
def test_feed_level_fields(fixture_dist, name, self_type):
    feed = parsed(fixture_dist, name).feed
    assert feed.title == "AI 年度回顾"
    assert feed.subtitle == "一年一度的人工智能大事件与技术进展回顾"
    assert feed.link == f"{FIXTURE_SITE}/"
    assert {"href": f"{FIXTURE_SITE}/{name}", "rel": "self", "type": self_type} in feed.links
    assert feed.language == "zh-CN"
    assert feed.generator == "aireport"
    newest = report(FIXTURE, 2020)
    assert feed.updated_parsed[:6] == newest.updated.astimezone(dt.timezone.utc).timetuple()[:6]
    assert "测试编辑部" in feed.author and "editor@example.org" in feed.author


def test_atom_updated_is_the_newest_entry_date_with_its_zone(fixture_dist):
    root = etree.fromstring((fixture_dist / "atom.xml").read_bytes())
    assert root.findtext(f"{ATOM}updated") == "2020-12-31T00:00:00+08:00"
    assert root.findtext(f"{ATOM}entry/{ATOM}published") == "2020-12-31T00:00:00+08:00"


def test_feed_images_are_published_pngs(fixture_dist):
    atom = parsed(fixture_dist, "atom.xml").feed
    rss = parsed(fixture_dist, "rss.xml").feed
    assert rss.image.href == atom.logo
    for url, size in ((atom.icon, (64, 64)), (atom.logo, (144, 72))):
        assert url.startswith(f"{FIXTURE_SITE}/assets/feed-")
        data = (fixture_dist / url.removeprefix(f"{FIXTURE_SITE}/")).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == size
    assert (rss.image.width, rss.image.height) == (144, 72)


@pytest.mark.parametrize("name", FEEDS)
def test_entry_fields(fixture_dist, name):
    entry = parsed(fixture_dist, name).entries[0]
    source = report(FIXTURE, 2020)
    page = f"{FIXTURE_SITE}/2020/"
    assert entry.id == page
    assert entry.title == source.title
    assert entry.link == page
    assert entry.published_parsed[:6] == source.date.astimezone(dt.timezone.utc).timetuple()[:6]
    if name == "atom.xml":  # an RSS item has its pubDate only
        assert entry.updated_parsed[:6] == source.updated.astimezone(dt.timezone.utc).timetuple()[:6]
    assert entry.summary == source.summary
    assert [tag.term for tag in entry.tags] == ["GPT-3", "AlphaFold2"]
    names = [a.name for a in entry.authors]
    assert names == (["ZOMI", "全体智源学者"] if name == "atom.xml" else ["ZOMI、全体智源学者"])
    assert entry.content[0].type == "text/html"
    assert "No.1</span> OpenAI发布全球规模最大的预训练语言模型GPT-3" in entry.content[0].value


@pytest.mark.parametrize("name", FEEDS)
def test_entry_encloses_the_booklet_with_its_real_length(fixture_dist, name):
    entry = parsed(fixture_dist, name).entries[0]
    booklet = fixture_dist / "2020" / "aireport-2020.pdf"
    [enclosure] = entry.enclosures
    assert enclosure.href == f"{FIXTURE_SITE}/2020/aireport-2020.pdf"
    assert enclosure.type == "application/pdf"
    assert enclosure.length == str(booklet.stat().st_size)
    alternate = [link for link in entry.links if link.rel == "alternate"]
    assert [link.href for link in alternate] == [f"{FIXTURE_SITE}/2020/"]


def test_atom_entry_links_keep_their_attributes(fixture_dist):
    """feedgen drops rel/type/length from entry links; without them the PDF reads as the page."""
    root = etree.fromstring((fixture_dist / "atom.xml").read_bytes())
    links = [dict(link.attrib) for link in next(root.iter(f"{ATOM}entry")).iter(f"{ATOM}link")]
    assert [link.get("rel") for link in links] == ["alternate", "enclosure"]
    assert links[1]["type"] == "application/pdf" and links[1]["length"].isdigit()


@pytest.mark.parametrize("name", FEEDS)
def test_content_is_the_whole_report(fixture_dist, name):
    html = content_of(fixture_dist, name)[0]
    for heading in ("编者按", "算法与模型发展", "芯片与产业发展", "2020年人工智能十大技术进展", "总结", "来源与致谢"):
        assert f"{heading}</h2>" in html
    assert "<strong>事件</strong>：2020 年 5 月" in html
    assert '<a href="https://www.youtube.com/watch?v=CSe3_u9P-RM&amp;pp=ygULT3BlbkFJIEdQVDM%3D">' in html
    assert "<em>降低</em>" in html
    assert "制版编辑：卢卡斯" in html
    assert f'<a href="{FIXTURE_SITE}/2020/aireport-2020.pdf">' in html


@pytest.mark.parametrize("name", FEEDS)
def test_ranked_entries_carry_their_rank_without_list_numbers(fixture_dist, name):
    """Readers number an <ol> themselves, often upwards from 1, which would contradict No.3 → No.1."""
    html = content_of(fixture_dist, name)[0]
    ranked = html[html.index("2020年人工智能十大技术进展</h2>"):html.index("总结</h2>")]
    assert "<ol" not in ranked and "<li" not in ranked.split("<ul>")[0]
    positions = [ranked.index(f"<span>No.{rank}</span>") for rank in (3, 2, 1)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", FEEDS)
def test_readers_strip_nothing_from_the_content(fixture_dist, name):
    """feedparser's sanitiser is what many readers apply; the content survives it unchanged."""
    ours = content_of(fixture_dist, name)
    theirs = [entry.content[0].value for entry in parsed(fixture_dist, name).entries]
    assert theirs == ours


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value) for name, value in attrs]


def attributes_of(html: str) -> list[tuple[str, str, str | None]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.found


def test_content_urls_are_absolute_and_nothing_runs(project):
    """Reports may hold only web links, but templates may link relatively and carry any markup."""
    report_file = project / "issues" / "2020.md"
    report_file.write_text(report_file.read_text(encoding="utf-8") + (
        '\n<span onclick="alert(1)">点击</span><script>alert(2)</script>。\n'), encoding="utf-8")
    template = project / "templates" / "feed" / "entry.html"
    template.write_text(template.read_text(encoding="utf-8") + (
        '<p><a href="../">往期</a> <a href="#sources">来源</a> <img src="cover.png" alt="封面" onerror="alert(3)">'
        '<a href="javascript:alert(4)">坏</a><a href="mailto:editor@example.org">来信</a></p>\n'), encoding="utf-8")
    dist = publish_project(project, project / "dist", "2020", only=("web", "feed"))
    for name in FEEDS:
        html = content_of(dist, name)[0]
        assert f'<a href="{FIXTURE_SITE}/">往期</a>' in html
        assert f'<a href="{FIXTURE_SITE}/2020/#sources">来源</a>' in html
        assert f'<img src="{FIXTURE_SITE}/2020/cover.png" alt="封面">' in html
        assert "<span>点击</span>" in html and "<a>坏</a>" in html
        assert "<script" not in html and "alert(" not in html
        found = attributes_of(html)
        assert {name for _, name, _ in found} == {"href", "src", "alt"}
        urls = [value for _, name, value in found if name in ("href", "src")]
        assert all(re.match(r"(https?://|mailto:)", url) for url in urls), urls


@pytest.mark.parametrize("name", FEEDS)
def test_summary_is_text_even_where_readers_expect_html(project, name):
    report_file = project / "issues" / "2020.md"
    text = report_file.read_text(encoding="utf-8")
    summary = "GPT-3 & AlphaFold2 <script>alert(1)</script> <b>年度</b>"
    report_file.write_text(re.sub(r"(?m)^summary: .*$", f'summary: "{summary}"', text), encoding="utf-8")
    dist = publish_project(project, project / "dist", "2020", only=("web", "feed"))
    entry = parsed(dist, name).entries[0]
    assert entry.summary_detail.type == "text/html"
    assert entry.summary == "GPT-3 &amp; AlphaFold2 &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;年度&lt;/b&gt;"


# --- several years ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", FEEDS)
def test_the_feeds_list_every_report_newest_first(real_dist, name):
    reports = [load_report(path) for path in sorted((ROOT / "issues").glob("*.md"), reverse=True)]
    feed = parsed(real_dist, name)
    assert feed.bozo is False
    assert [e.id for e in feed.entries] == [f"{REAL_SITE}/{r.year}/" for r in reports]
    assert [e.title for e in feed.entries] == [r.title for r in reports]
    if name == "atom.xml":
        newest = max(r.updated for r in reports).astimezone(dt.timezone.utc)
        assert feed.feed.updated_parsed[:6] == newest.timetuple()[:6]
    for entry, year in zip(feed.entries, [r.year for r in reports], strict=True):
        booklet = real_dist / str(year) / f"aireport-{year}.pdf"
        assert [(e.href, e.length) for e in entry.enclosures] == [
            (f"{REAL_SITE}/{year}/aireport-{year}.pdf", str(booklet.stat().st_size))]


def test_publishing_one_year_lists_every_report_in_the_feed(project):
    """Only the web page and feed are built here, so no year has a booklet or an enclosure."""
    text = (project / "issues" / "2020.md").read_text(encoding="utf-8")
    (project / "issues" / "2019.md").write_text(
        text.replace("year: 2020", "year: 2019").replace("date: 2020-12-31", "date: 2019-12-31")
            .replace("title: 2020 AI", "title: 2019 AI"), encoding="utf-8")
    dist = project / "dist"
    publish_project(project, dist, "2020", only=("web", "feed"))
    for name in FEEDS:
        feed = parsed(dist, name)
        assert [e.title for e in feed.entries] == ["2020 AI 年度回顾（样例）", "2019 AI 年度回顾（样例）"]
        assert all(e.enclosures == [] for e in feed.entries)
    assert b"enclosure" not in (dist / "atom.xml").read_bytes() + (dist / "rss.xml").read_bytes()


def test_feed_limit_keeps_the_newest():
    files = render_direct(ROOT, (2020, 2019), feed_limit=1)
    for name in FEEDS:
        feed = feedparser.parse(files[name])
        assert [e.id for e in feed.entries] == [f"{REAL_SITE}/2020/"]


def test_no_years_no_feeds():
    assert render_direct(ROOT, ()) == {}


# --- dates and determinism --------------------------------------------------------------------

class _AnyDatetime(type):
    def __instancecheck__(cls, value):
        return isinstance(value, dt.datetime)  # feedgen checks the dates it is given against its `datetime`


class _Later(dt.datetime, metaclass=_AnyDatetime):
    """A clock stopped in 2031, to stand in for feedgen's `datetime`."""

    @classmethod
    def now(cls, tz=None):
        return dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=tz)


def test_output_never_depends_on_the_clock(monkeypatch):
    """feedgen stamps feeds and entries with now() unless told otherwise; every date is set."""
    sizes = {2020: 123_456}
    before = render_direct(ROOT, (2020, 2019), sizes)
    monkeypatch.setattr(feedgen.feed, "datetime", _Later)
    monkeypatch.setattr(feedgen.entry, "datetime", _Later)
    after = render_direct(ROOT, (2020, 2019), sizes)
    assert after == before
    assert b"2031" not in after["atom.xml"] + after["rss.xml"]


def test_feed_updated_follows_the_latest_change_of_any_entry(tmp_path):
    """A corrected older report moves the feed's date, since the feed changed then."""
    root = tmp_path / "site"
    for folder in ("issues", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "pyproject.toml", root)
    older = root / "issues" / "2019.md"
    older.write_text(re.sub(r"\nupdated: [^\n]*", "\nupdated: 2027-03-01T09:30:00+08:00",
                            older.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    files = render_direct(root, (2020, 2019))
    atom = etree.fromstring(files["atom.xml"])
    assert atom.findtext(f"{ATOM}updated") == "2027-03-01T09:30:00+08:00"
    assert [e.findtext(f"{ATOM}updated") for e in atom.iter(f"{ATOM}entry")] == [
        "2026-12-02T00:00:00+08:00", "2027-03-01T09:30:00+08:00"]
    assert b"<lastBuildDate>Mon, 01 Mar 2027 09:30:00 +0800</lastBuildDate>" in files["rss.xml"]


def test_missing_feed_image_is_a_one_line_error(project, cli):
    (project / "templates" / "feed" / "icon.png").unlink()
    result = cli("publish", "2020", "--only", "feed")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: templates/feed/icon.png: feed image not found; "
        "restore it or copy it from aireport's templates/feed/")


# --- a real feed reader -----------------------------------------------------------------------

@contextlib.contextmanager
def http_server(folder: Path):
    """`python -m http.server` on a free port of 127.0.0.1; yields its base URL."""
    command = [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(folder)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as server:
        try:
            banner = server.stdout.readline()
            port = re.search(r"port (\d+)", banner)
            assert port, f"http.server did not start: {banner!r}"
            yield f"http://127.0.0.1:{port.group(1)}"
        finally:
            server.terminate()


def newsboat_items(tmp_path: Path, url: str) -> tuple[str, list[dict]]:
    """Let newsboat fetch one feed headlessly; returns its summary line and its cached items."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "urls").write_text(url + "\n", encoding="utf-8")
    (tmp_path / "config").write_text("download-timeout 20\n", encoding="utf-8")
    cache = tmp_path / "cache.db"
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"))
    result = subprocess.run(
        ["newsboat", "-u", str(tmp_path / "urls"), "-c", str(cache), "-C", str(tmp_path / "config"),
         "-x", "reload", "print-unread"],
        env=env, capture_output=True, text=True, timeout=120, check=True)
    with contextlib.closing(sqlite3.connect(cache)) as db:
        db.row_factory = sqlite3.Row
        feeds = [dict(row) for row in db.execute("SELECT rssurl, title FROM rss_feed")]
        items = [dict(row) for row in db.execute(
            "SELECT guid, title, author, url, pubDate, content FROM rss_item ORDER BY pubDate DESC")]
    assert feeds == [{"rssurl": url, "title": "AI 年度回顾"}], result.stderr
    return result.stdout.strip(), items


@pytest.mark.slow
@pytest.mark.parametrize("name", FEEDS)
def test_newsboat_reads_the_feed(real_dist, tmp_path, name):
    if shutil.which("newsboat") is None:
        pytest.skip("newsboat is not installed (apt-get install newsboat)")
    with http_server(real_dist) as base:
        summary, items = newsboat_items(tmp_path, f"{base}/{name}")
    by_year = {int(path.stem): report(ROOT, int(path.stem)) for path in (ROOT / "issues").glob("*.md")}
    assert summary == f"{len(by_year)} unread articles"
    # The feeds list the reports newest year first; reports that share a publication date
    # may come out of newsboat in any order among themselves.
    written = dict(zip([f"{REAL_SITE}/{year}/" for year in sorted(by_year, reverse=True)],
                       content_of(real_dist, name), strict=True))
    guids = [item["guid"] for item in items]
    assert sorted(guids) == sorted(written)
    reports = [by_year[int(guid.rstrip("/").rsplit("/", 1)[1])] for guid in guids]
    assert [r.date for r in reports] == sorted((r.date for r in reports), reverse=True)
    assert [item["url"] for item in items] == guids
    assert [item["title"] for item in items] == [r.title for r in reports]
    assert [item["pubDate"] for item in items] == [int(r.date.timestamp()) for r in reports]
    joiner = ", " if name == "atom.xml" else "、"
    assert [item["author"] for item in items] == [joiner.join(p.name for p in r.authors) for r in reports]
    # newsboat records only audio and video enclosures, so the booklet is checked with feedparser above.
    assert [item["content"] for item in items] == [written[item["guid"]] for item in items]
