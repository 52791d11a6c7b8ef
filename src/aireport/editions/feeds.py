"""The Atom and RSS feeds: one entry per listed year, newest first, carrying the whole report.

feedgen writes both formats; three of its habits are worked around here:
it prepends entries (so they are appended instead), it stamps `updated` with
the current time (so every date is set from the reports), and it writes an
Atom entry's links with `href` only (so the attributes are put back, without
which the PDF enclosure would read as a second alternate page).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from urllib.parse import urljoin

import nh3
from feedgen.feed import FeedGenerator
from lxml import etree
from markupsafe import escape

from aireport import __version__
from aireport.errors import AiReportError
from aireport.report.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from aireport.report.model import Report
from aireport.editions.site import ATOM_PATH, RSS_PATH, Site
from aireport.editions.templating import render
from aireport.editions.typography import without_glue

ENTRY_TEMPLATE = "feed/entry.html"
XSL_TEMPLATE = "feed/style.xsl"
ICON_TEMPLATE = "feed/icon.png"  # square, Atom <icon>
LOGO_TEMPLATE = "feed/logo.png"  # 2:1 and at most 144 px wide, Atom <logo> and RSS <image>
LANGUAGE = "zh-CN"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LINK_ATTRIBUTES = ("rel", "type", "hreflang", "title", "length")

# What a feed reader keeps: the report's own allowlist plus the structure the
# macros add. Classes and ids are dropped; readers ignore or strip them.
FEED_TAGS = ALLOWED_TAGS | {"section", "h2", "h3", "h4", "img"}
FEED_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt"}}
URL_ATTRIBUTES = {"href", "src"}


@dataclass(frozen=True)
class FeedEntry:
    """What every feed says about one year."""

    report: Report
    url: str  # the web page: permalink and id
    content: str  # the whole report as HTML, every URL absolute
    pdf_url: str
    pdf_size: int | None  # None: no booklet, no enclosure


@dataclass(frozen=True)
class Image:
    path: str  # relative to dist/
    data: bytes
    width: int
    height: int


def render_feeds(site: Site) -> dict[str, bytes]:
    entries = feed_entries(site)
    if not entries:
        return {}  # a feed needs a date, and without a report there is none but "now"
    icon, logo = feed_images(site)
    atom = _generator(site, entries, icon, logo, site.atom_url, "application/atom+xml")
    rss = _generator(site, entries, icon, logo, site.rss_url, "application/rss+xml")
    xsl_path, xsl = _browser_stylesheet(site)
    return {
        ATOM_PATH: _styled(_atom_bytes(atom, entries), xsl_path),
        RSS_PATH: _styled(rss.rss_str(pretty=True), xsl_path),
        xsl_path: xsl,
        icon.path: icon.data,
        logo.path: logo.data,
    }


def _browser_stylesheet(site: Site) -> tuple[str, bytes]:
    """The XSLT stylesheet that shows a feed opened in a browser as a page, named by its content."""
    xsl = render(site.env, XSL_TEMPLATE, site=site, subscribe_url=site.subscribe_url).encode("utf-8")
    return f"assets/feed-{hashlib.sha256(xsl).hexdigest()[:10]}.xsl", xsl


def _styled(document: bytes, xsl_path: str) -> bytes:
    """The feed with an xml-stylesheet instruction after its XML declaration (relative: XSLT loads same-origin only)."""
    declaration, newline, rest = document.partition(b"\n")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{xsl_path}"?>'.encode()
    return declaration + newline + instruction + newline + rest


def feed_entries(site: Site) -> list[FeedEntry]:
    """The newest `feed_limit` years, as every feed shows them."""
    return [_entry(site, report) for report in site.reports[: site.config.feed_limit]]


def feed_images(site: Site) -> tuple[Image, Image]:
    """The square icon and the wide logo, named by their content."""
    return _image(site, ICON_TEMPLATE), _image(site, LOGO_TEMPLATE)


def _entry(site: Site, report: Report) -> FeedEntry:
    url = site.page_url(report.year)
    pdf_url = site.pdf_url(report.year)
    pdf_size = site.pdf_sizes.get(report.year)
    html = render(site.env, ENTRY_TEMPLATE, report=report, site=site,
                  page_url=url, pdf_url=pdf_url, pdf_size=pdf_size)
    return FeedEntry(report, url, _feed_html(html, base=url), pdf_url, pdf_size)


def _feed_html(html: str, base: str) -> str:
    """HTML a feed reader shows as written: nothing that runs, every link and image absolute."""

    def absolute(tag: str, attribute: str, value: str) -> str:
        return urljoin(base, value) if attribute in URL_ATTRIBUTES else value

    # Feed readers drop style attributes, which would leave the no-wrap spans as empty markup.
    clean = nh3.clean(without_glue(html), tags=FEED_TAGS, attributes=FEED_ATTRIBUTES, attribute_filter=absolute,
                      url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True)
    return clean.strip()


def _generator(site: Site, entries: list[FeedEntry], icon: Image, logo: Image,
               self_url: str, self_type: str) -> FeedGenerator:
    config = site.config
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)  # RSS <author> needs an e-mail; dc:creator takes a name
    feed.id(site.home_url)
    feed.title(str(escape(config.title)))  # titles as escaped HTML: see _add_entry
    feed.subtitle(config.description)
    feed.author({"name": config.publisher, "email": config.contact})
    feed.managingEditor(f"{config.contact} ({config.publisher})")
    feed.link(href=self_url, rel="self", type=self_type)
    feed.link(href=site.home_url, rel="alternate", type="text/html")  # the last link is RSS's <link>
    feed.language(LANGUAGE)
    feed.generator("aireport", version=__version__)
    feed.icon(site.config.url(icon.path))
    feed.image(url=site.config.url(logo.path), title=config.title, link=site.home_url,
               width=str(logo.width), height=str(logo.height))
    # The feed changed when its most recently updated entry did; never "now".
    feed.updated(max(entry.report.updated for entry in entries))
    feed.pubDate(max(entry.report.date for entry in entries))
    for entry in entries:
        _add_entry(feed, entry)
    return feed


def _add_entry(feed: FeedGenerator, entry: FeedEntry) -> None:
    report = entry.report
    item = feed.add_entry(order="append")
    item.guid(entry.url, permalink=True)
    # Many readers show an RSS title (and some an Atom one) as HTML whatever the feed says, so titles
    # go in as escaped HTML: a '<' in a title reads as '<' either way and never becomes markup.
    item.title(str(escape(report.title)))
    item.link(href=entry.url, rel="alternate", type="text/html")
    if entry.pdf_size is not None:
        item.link(href=entry.pdf_url, rel="enclosure", type="application/pdf",
                  length=str(entry.pdf_size), title=f"{report.title}（PDF 年度手册）")
    item.published(report.date)
    item.updated(report.updated)
    item.author([{"name": person.name} for person in report.authors])
    item.dc.dc_creator("、".join(person.name for person in report.authors))
    # Readers take an RSS <description> as HTML, so the plain-text summary goes in escaped, in both feeds alike.
    item.summary(str(escape(report.summary)), type="html")
    item.content(entry.content, type="html")
    for keyword in report.keywords:
        item.category(term=keyword)


def _atom_bytes(feed: FeedGenerator, entries: list[FeedEntry]) -> bytes:
    """The Atom document with each entry's link attributes and language restored."""
    root = etree.fromstring(feed.atom_str(pretty=True))
    for title in (root.find(f"{{{ATOM_NS}}}title"), *root.findall(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}title")):
        title.set("type", "html")
    elements = root.findall(f"{{{ATOM_NS}}}entry")
    for element, item, entry in zip(elements, feed.entry(), entries, strict=True):
        element.set(XML_LANG, entry.report.language)
        for link_element, link in zip(element.findall(f"{{{ATOM_NS}}}link"), item.link(), strict=True):
            for name in LINK_ATTRIBUTES:
                if link.get(name):
                    link_element.set(name, link[name])
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _image(site: Site, name: str) -> Image:
    """A feed image from templates/, under a name that changes with its content."""
    source = site.config.templates_dir / name
    try:
        data = source.read_bytes()
    except OSError:
        raise AiReportError(f"templates/{name}: feed image not found; restore it or copy it "
                            "from aireport's templates/feed/") from None
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise AiReportError(f"templates/{name}: not a PNG image; RSS readers accept PNG, GIF or JPEG, "
                            "aireport expects PNG")
    width, height = struct.unpack(">II", data[16:24])
    stem = name.removeprefix("feed/").removesuffix(".png")
    digest = hashlib.sha256(data).hexdigest()[:10]
    return Image(f"assets/feed-{stem}-{digest}.png", data, width, height)
