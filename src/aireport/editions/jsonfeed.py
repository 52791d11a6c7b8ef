"""The JSON Feed 1.1 edition (https://www.jsonfeed.org/version/1.1/): the Atom feed's entries as JSON.

Each item carries the whole report as HTML, the same id as its Atom entry
(the year's page), and the booklet as an attachment with its size.
"""

from __future__ import annotations

import json

from aireport.editions.feeds import FeedEntry, feed_entries, feed_images
from aireport.editions.site import JSON_FEED_PATH, Site

VERSION = "https://jsonfeed.org/version/1.1"


def render_json_feed(site: Site) -> dict[str, bytes]:
    entries = feed_entries(site)
    if not entries:
        return {}
    icon, logo = feed_images(site)
    config = site.config
    feed = {
        "version": VERSION,
        "title": config.title,
        "home_page_url": site.home_url,
        "feed_url": site.json_feed_url,
        "description": config.description,
        "icon": config.url(icon.path),
        "favicon": config.url(icon.path),
        "authors": [{"name": config.publisher, "url": f"mailto:{config.contact}"}],
        "language": entries[0].report.language,
        "items": [_item(entry) for entry in entries],
    }
    text = json.dumps(feed, ensure_ascii=False, indent=2) + "\n"
    return {JSON_FEED_PATH: text.encode("utf-8"), icon.path: icon.data, logo.path: logo.data}


def _item(entry: FeedEntry) -> dict:
    report = entry.report
    item = {
        "id": entry.url,
        "url": entry.url,
        "title": report.title,
        "content_html": entry.content,
        "summary": report.summary,
        "date_published": report.date.isoformat(),
        "date_modified": report.updated.isoformat(),
        "authors": [{"name": person.name} for person in report.authors],
        "tags": list(report.keywords),
        "language": report.language,
    }
    if entry.pdf_size is not None:
        item["attachments"] = [{"url": entry.pdf_url, "mime_type": "application/pdf",
                                "title": f"{report.title}（PDF 年度手册）", "size_in_bytes": entry.pdf_size}]
    return item
