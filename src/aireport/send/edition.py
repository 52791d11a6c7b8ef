"""The published e-mail edition a send delivers, refused when it is missing or out of date.

This is the one place that asks the build what it last made: the build cache's
record for `email YEAR` must match the key the email edition would have now
(build.cache.edition_key for the registry's email edition, which has no
fingerprint, and BuildCache.fresh), so a report, template or setting changed
since the last publish means `publish` first.
"""

from __future__ import annotations

from pathlib import Path

from aireport.editions.site import Site
from aireport.errors import AiReportError, display_path
from aireport.project import Project
from aireport.report.loader import load_report

EDITION = "email"


def published_email(project: Project, year: str) -> bytes:
    """The bytes of dist/YEAR/email.eml, when they are what `publish` would make now."""
    from aireport.build.cache import BuildCache, edition_key
    from aireport.editions import by_name

    config = project.config
    report = load_report(project.report_file(year))
    out = config.output_dir
    name = Site.email_path(report.year, "eml")
    path = out / name
    if not path.is_file():
        raise AiReportError(f"{display_path(path)}: no e-mail edition of {year}; "
                            f"run `aireport publish {year}` first")
    cache = BuildCache.open(config, out, reading_only=True)
    files = cache.fresh(f"{EDITION} {report.year}", edition_key(by_name(EDITION), config, (report,)), out)
    if files is None or name not in files:
        raise AiReportError(f"{display_path(path)}: out of date (the report, templates or settings changed "
                            f"since it was published); run `aireport publish {year}` first")
    return path.read_bytes()
