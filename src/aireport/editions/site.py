"""What every edition renders with: settings, templates, the listed years and their URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import jinja2

from aireport.config import Config
from aireport.report.model import Report

ATOM_PATH = "atom.xml"
RSS_PATH = "rss.xml"
JSON_FEED_PATH = "feed.json"
ARCHIVE_PATH = "index.html"
SUBSCRIBE_PATH = "subscribe/index.html"


@dataclass(frozen=True)
class Site:
    config: Config
    env: jinja2.Environment
    reports: tuple[Report, ...]  # every listed year, newest first
    pdf_sizes: Mapping[int, int] = field(default_factory=dict)  # year -> booklet bytes

    @staticmethod
    def page_path(year: int) -> str:
        return f"{year}/index.html"

    @staticmethod
    def pdf_path(year: int) -> str:
        return f"{year}/aireport-{year}.pdf"

    @staticmethod
    def email_path(year: int, ending: str) -> str:
        return f"{year}/email.{ending}"

    @staticmethod
    def timeline_path(year: int) -> str:
        """The timeline as a PNG (for mail clients, which show no SVG), beside the year's page."""
        return f"{year}/timeline.png"

    def page_url(self, year: int) -> str:
        return self.config.url(f"{year}/")

    def pdf_url(self, year: int) -> str:
        return self.config.url(self.pdf_path(year))

    @property
    def atom_url(self) -> str:
        return self.config.url(ATOM_PATH)

    @property
    def rss_url(self) -> str:
        return self.config.url(RSS_PATH)

    @property
    def json_feed_url(self) -> str:
        return self.config.url(JSON_FEED_PATH)

    @property
    def subscribe_url(self) -> str:
        return self.config.url(SUBSCRIBE_PATH.removesuffix("index.html"))

    @property
    def home_url(self) -> str:
        return self.config.url("")


def relative(from_path: str, to_path: str) -> str:
    """A link from one output file to another, so dist/ works from any folder or file://."""
    here, there = from_path.split("/")[:-1], to_path.split("/")
    shared = 0
    while shared < min(len(here), len(there) - 1) and here[shared] == there[shared]:
        shared += 1
    return "../" * (len(here) - shared) + "/".join(there[shared:])
