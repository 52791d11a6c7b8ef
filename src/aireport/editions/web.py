"""The web edition: one page per year, the archive of every year, and their stylesheet."""

from __future__ import annotations

import hashlib

from aireport import __version__
from aireport.report.model import Report
from aireport.editions.site import ARCHIVE_PATH, Site, relative
from aireport.editions.templating import render

STYLESHEET_TEMPLATE = "web/style.css"


def render_page(report: Report, site: Site) -> dict[str, bytes]:
    css_path, css = _stylesheet(site)
    path = site.page_path(report.year)
    html = render(
        site.env, "web/report.html", **_common(site, path, css_path, report.language),
        report=report, pdf=relative(path, site.pdf_path(report.year)),
    )
    return {path: html.encode("utf-8"), css_path: css}


def render_archive(site: Site) -> dict[str, bytes]:
    css_path, css = _stylesheet(site)
    entries = [
        {
            "report": report,
            "page": relative(ARCHIVE_PATH, f"{report.year}/"),
            "pdf": relative(ARCHIVE_PATH, site.pdf_path(report.year)) if report.year in site.pdf_sizes else None,
        }
        for report in site.reports
    ]
    html = render(site.env, "web/archive.html", **_common(site, ARCHIVE_PATH, css_path, "zh-CN"), entries=entries)
    return {ARCHIVE_PATH: html.encode("utf-8"), css_path: css}


def _stylesheet(site: Site) -> tuple[str, bytes]:
    """The stylesheet under a name that changes with its content, so caches never serve a stale one."""
    css = render(site.env, STYLESHEET_TEMPLATE).encode("utf-8")
    digest = hashlib.sha256(css).hexdigest()[:10]
    return f"assets/web-{digest}.css", css


def _common(site: Site, path: str, css_path: str, language: str) -> dict:
    return {
        "site": site,
        "language": language,
        "version": __version__,
        "stylesheet": relative(path, css_path),
        "home": relative(path, "index.html") if path != ARCHIVE_PATH else "./",
    }
