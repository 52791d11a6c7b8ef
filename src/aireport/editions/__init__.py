"""The edition registry: one declaration per edition.

The build plan, `--only`, the command-line help and the cache keys all derive
from `EDITIONS`; adding an edition is one module, one template folder and one
line here. Functions are named as "module:function" strings so that reading
the registry imports nothing: `aireport --help` and a publish with nothing to
do stay fast, and booklet workers import only what they typeset with.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from aireport.errors import AiReportError

YEAR = "year"  # made for each report, into its year's folder
SITE = "site"  # made once, over every listed report


@dataclass(frozen=True)
class Edition:
    name: str  # as `--only` names it
    scope: str  # YEAR or SITE
    # YEAR: f(report, site) -> {path: bytes}; SITE: f(site) -> {path: bytes}. Paths are relative to the output folder.
    render: str
    templates: str  # its folder in templates/: a change there makes it stale (the shared top-level files too)
    summary: str  # one line for --help
    # A slow edition splits in two: `prepare` (f(report, site) -> a picklable job, in the main process, beside
    # the other editions) and `work` (f(job) -> {path: bytes}, in a worker process started before anything else).
    prepare: str | None = None
    work: str | None = None
    warm_up: str | None = None  # f() run by each worker as it starts (importing what `work` needs)
    fingerprint: str | None = None  # f(config) -> str: what else its output depends on (fonts, library versions)
    # A site edition that shows the booklets' sizes waits for them; the others are made while they are typeset.
    shows_booklets: bool = False

    @property
    def split(self) -> bool:
        return self.work is not None

    def function(self, role: str) -> Callable:
        """The function named by `role` ("render", "prepare", "work", "warm_up", "fingerprint")."""
        return resolve(getattr(self, role))


EDITIONS = (
    Edition("web", YEAR, "aireport.editions.web:render_page", "web", "the year's web page and its pictures",
            fingerprint="aireport.editions.raster:fingerprint"),
    Edition("email", YEAR, "aireport.editions.email.message:render_email", "email",
            "the e-mail: HTML, plain text and a ready .eml"),
    # The slowest by far, so it comes last: a mistake the others find costs no wait.
    Edition("pdf", YEAR, "aireport.editions.booklet.prepare:render_booklet", "pdf", "the PDF booklet",
            prepare="aireport.editions.booklet.prepare:prepare_booklet",
            work="aireport.editions.booklet.typesetting:typeset_booklet",
            warm_up="aireport.editions.booklet.typesetting:preload",
            fingerprint="aireport.editions.booklet.fonts:fingerprint"),
    Edition("archive", SITE, "aireport.editions.web:render_archive", "web", "the archive page of every year",
            fingerprint="aireport.editions.raster:fingerprint", shows_booklets=True),
    Edition("feed", SITE, "aireport.editions.feeds:render_feeds", "feed", "the Atom and RSS feeds",
            shows_booklets=True),
    Edition("jsonfeed", SITE, "aireport.editions.jsonfeed:render_json_feed", "feed", "the JSON Feed",
            shows_booklets=True),
    Edition("search", SITE, "aireport.editions.search:render_search", "web",
            "the search index of every year (Pagefind)", fingerprint="aireport.editions.search:fingerprint"),
    Edition("sitemap", SITE, "aireport.editions.share:render_sitemap", "web", "sitemap.xml and robots.txt"),
)
NAMES = tuple(edition.name for edition in EDITIONS)


def by_name(name: str) -> Edition:
    return next(edition for edition in EDITIONS if edition.name == name)


def chosen(names: tuple[str, ...], scope: str | None = None) -> tuple[Edition, ...]:
    """The editions named, in the registry's order, of one scope or both."""
    return tuple(e for e in EDITIONS if e.name in names and scope in (None, e.scope))


def parse_only(value: str | None) -> tuple[str, ...]:
    """The editions an `--only` value names; every edition when it is empty."""
    if not value:
        return NAMES
    names = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [name for name in names if name not in NAMES]
    if unknown or not names:
        raise AiReportError(f"--only {value}: unknown edition {', '.join(unknown) or '(none)'}; "
                            f"choose from {','.join(NAMES)}")
    return names


def only_help() -> str:
    return "Build only these editions, comma-separated: " + "; ".join(f"{e.name} ({e.summary})" for e in EDITIONS) + "."


def resolve(target: str) -> Callable:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)
