"""The web edition: one page per year, the archive of every year, and their stylesheet."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from markupsafe import Markup

from aireport import __version__
from aireport.report.model import Report
from aireport.editions.site import ARCHIVE_PATH, SUBSCRIBE_PATH, Site, relative
from aireport.editions.templating import render
from aireport.editions.cover import cover_images, cover_sizes, cover_svg
from aireport.editions.share import (FAVICON_ICO, FAVICON_SVG, SITE_CARD_PATH, TOUCH_ICON, card_path,
                                     favicon_files, site_card, year_card)
from aireport.editions.timeline import extract_events, lay_out, to_svg

STYLESHEET_TEMPLATE = "web/style.css"
SEARCH_SCRIPT_TEMPLATE = "web/search.js"
# Readers that subscribe from a link: the feed's address goes in, URL-encoded.
READERS = (
    ("Feedly", "https://feedly.com/i/subscription/feed/{}"),
    ("Inoreader", "https://www.inoreader.com/?add_feed={}"),
    ("NewsBlur", "https://www.newsblur.com/?url={}"),
    ("The Old Reader", "https://theoldreader.com/feeds/subscribe?url={}"),
)


def render_page(report: Report, site: Site) -> dict[str, bytes]:
    css_path, css = _stylesheet(site)
    script_path, script = search_script(site)
    images = cover_images(report)
    timeline = extract_events(report)
    drawing = lay_out(timeline) if timeline.events else None
    html = page_html(report, site, images, drawing)
    files = {site.page_path(report.year): html.encode("utf-8"), css_path: css, script_path: script}
    files.update({image.path: image.data for image in images})
    files.update(favicon_files())
    files[card_path(report.year)] = year_card(report, site.config)
    if drawing:
        from aireport.editions.raster import drawing_png

        files[site.timeline_path(report.year)] = drawing_png(drawing, site.config)
    return files


def page_html(report: Report, site: Site, covers=None, drawing=None) -> str:
    """The year's page; without `covers` and `drawing` they are worked out (sizes only, no pixels)."""
    path = site.page_path(report.year)
    timeline = extract_events(report)
    if drawing is None and timeline.events:
        drawing = lay_out(timeline)
    share = {"title": report.title, "url": site.page_url(report.year), "image": site.config.url(card_path(report.year)),
             "image_alt": f"{report.title}：{report.subtitle}" if report.subtitle else report.title, "type": "article"}
    return render(
        site.env, "web/report.html", **_common(site, path, report.language, share),
        report=report, pdf=relative(path, site.pdf_path(report.year)), timeline=timeline,
        timeline_svg=Markup(to_svg(drawing, timeline.describe())) if drawing else None,
        cover=_cover(report, site, path, cover_sizes(report) if covers is None else covers),
    )


def render_archive(site: Site) -> dict[str, bytes]:
    css_path, css = _stylesheet(site)
    script_path, script = search_script(site)
    entries = [
        {
            "report": report,
            "page": relative(ARCHIVE_PATH, f"{report.year}/"),
            "pdf": relative(ARCHIVE_PATH, site.pdf_path(report.year)) if report.year in site.pdf_sizes else None,
            "cover": _cover(report, site, ARCHIVE_PATH, cover_sizes(report)),
        }
        for report in site.reports
    ]
    share = {"title": site.config.title, "url": site.home_url, "image": site.config.url(SITE_CARD_PATH), "image_alt": site.config.title,
             "type": "website"}
    html = render(site.env, "web/archive.html", **_common(site, ARCHIVE_PATH, "zh-CN", share), entries=entries)
    return {ARCHIVE_PATH: html.encode("utf-8"), css_path: css, script_path: script,
            SITE_CARD_PATH: site_card(site.config, [r.year for r in site.reports]),
            SUBSCRIBE_PATH: _subscribe_page(site), **favicon_files()}


def _subscribe_page(site: Site) -> bytes:
    """What the feeds are, their addresses, buttons for common readers, and how to get the e-mail."""
    share = {"title": f"订阅《{site.config.title}》", "url": site.subscribe_url,
             "image": site.config.url(SITE_CARD_PATH), "image_alt": site.config.title, "type": "website"}
    feeds = [
        {"name": "Atom", "url": site.atom_url, "about": "最通用的格式，几乎所有阅读器都支持。"},
        {"name": "RSS 2.0", "url": site.rss_url, "about": "较老的阅读器与播客客户端也认得的格式。"},
        {"name": "JSON Feed", "url": site.json_feed_url, "about": "同样的内容，以 JSON 写成，便于程序读取。"},
    ]
    readers = [{"name": name, "url": pattern.format(quote(site.atom_url, safe=""))} for name, pattern in READERS]
    html = render(site.env, "web/subscribe.html", **_common(site, SUBSCRIBE_PATH, "zh-CN", share),
                  feeds=feeds, readers=readers)
    return html.encode("utf-8")


def _cover(report: Report, site: Site, path: str, images) -> dict:
    """What a page shows as the year's cover: its own image in every width, or the drawn one."""
    if not images:
        return {"svg": Markup(cover_svg(report, site.config.title))}
    largest = images[-1]
    return {
        "svg": None, "src": relative(path, images[min(1, len(images) - 1)].path),
        "srcset": ", ".join(f"{relative(path, image.path)} {image.width}w" for image in images),
        "width": largest.width, "height": largest.height,
        "alt": report.cover.alt, "credit": report.cover.credit,
    }


def _stylesheet(site: Site) -> tuple[str, bytes]:
    """The stylesheet under a name that changes with its content, so caches never serve a stale one."""
    css = render(site.env, STYLESHEET_TEMPLATE).encode("utf-8")
    digest = hashlib.sha256(css).hexdigest()[:10]
    return f"assets/web-{digest}.css", css


def search_script(site: Site) -> tuple[str, bytes]:
    """The search box's script (it loads the Pagefind index only once a reader types), named by its content."""
    script = render(site.env, SEARCH_SCRIPT_TEMPLATE).encode("utf-8")
    return f"assets/search-{hashlib.sha256(script).hexdigest()[:10]}.js", script


def _common(site: Site, path: str, language: str, share: dict) -> dict:
    """What base.html needs: `share` holds the page's canonical URL and its social card (Open Graph, Twitter)."""
    return {
        "share": share,
        "favicon": {name: relative(path, name) for name in (FAVICON_SVG, FAVICON_ICO, TOUCH_ICON)},
        "site": site,
        "language": language,
        "version": __version__,
        "stylesheet": relative(path, _stylesheet(site)[0]),
        "search_script": relative(path, search_script(site)[0]),
        "root": relative(path, "index.html").removesuffix("index.html"),
        "home": relative(path, "index.html") if path != ARCHIVE_PATH else "./",
        "subscribe": relative(path, SUBSCRIBE_PATH),
    }
