"""What a publish must do, decided from issues/, the settings and the build cache alone.

The site is a function of its sources: every report in issues/ that is not a
draft is listed (drafts too with --drafts), whatever the output folder happens
to hold. The output folder is only looked at to find what is missing or stale
there, and the folders of years that are no longer listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aireport.build.cache import BuildCache, edition_key
from aireport.build.options import BuildOptions
from aireport.config import Config
from aireport.editions import SITE, YEAR, chosen
from aireport.editions.site import Site
from aireport.errors import AiReportError, display_path
from aireport.project import Project
from aireport.report.loader import load_report
from aireport.report.model import Report

YEAR_FOLDER = re.compile(r"\d{4}")


@dataclass(frozen=True)
class YearPlan:
    report: Report
    keys: dict[str, str]  # edition name -> the key of what it is made from, for each stale edition
    asked: bool  # named on the command line (or the whole site was asked for)


@dataclass
class Plan:
    listed: tuple[Report, ...] = ()  # newest first
    years: list[YearPlan] = field(default_factory=list)  # the years with something to render
    unchanged: list[str] = field(default_factory=list)  # jobs found up to date
    failures: dict[int, str] = field(default_factory=dict)  # year -> why its report did not load
    kept: tuple[int, ...] = ()  # published years whose report no longer loads: their files stay
    removed: tuple[int, ...] = ()  # published years no longer listed: their folders go
    warnings: dict[int, list[str]] = field(default_factory=dict)  # year -> its report's warnings


def make_plan(project: Project, options: BuildOptions, out: Path, cache: BuildCache) -> Plan:
    for year in options.years:
        project.report_file(year)  # not a year, or no report: the whole publish's error, at once
    asked = {int(year) for year in options.years}
    plan = Plan()
    reports = _load_reports(project, plan)
    for report in reports:
        if report.year in asked and report.draft and not options.drafts:
            raise AiReportError(f"{display_path(report.path)}: {report.year} is a draft (draft: true); "
                                "set draft: false to publish it, or pass --drafts to preview it")
    listed = sorted((r for r in reports if options.drafts or not r.draft), key=lambda r: r.year, reverse=True)
    published = _published_years(out)
    if asked and not options.whole_site:  # only these years, beside what is there already
        listed = [r for r in listed if r.year in asked or r.year in published]
        plan.failures = {year: error for year, error in plan.failures.items() if year in asked}
    else:
        plan.removed = tuple(sorted(published - {r.year for r in listed} - set(plan.failures)))
    plan.listed = tuple(listed)
    plan.kept = tuple(sorted(year for year in plan.failures if year in published))
    fingerprints = _fingerprints(project.config, options.only) if listed else {}
    for report in listed:
        if asked and report.year not in asked and not options.whole_site:
            continue
        is_asked = not asked or report.year in asked
        keys = _stale_editions(project.config, options, report, out, cache, fingerprints,
                               forced=options.force and is_asked, unchanged=plan.unchanged)
        if keys:
            plan.years.append(YearPlan(report, keys, asked=is_asked))
    return plan


def _stale_editions(config: Config, options: BuildOptions, report: Report, out: Path, cache: BuildCache,
                    fingerprints: dict[str, str], forced: bool, unchanged: list[str]) -> dict[str, str]:
    """The key of each of the report's editions that must be rendered; the others go to `unchanged`."""
    keys = {}
    for edition in chosen(options.only, YEAR):
        key = edition_key(edition, config, (report,), fingerprints.get(edition.name, ""))
        job = f"{edition.name} {report.year}"
        if forced or cache.fresh(job, key, out) is None:
            keys[edition.name] = key
        else:
            unchanged.append(job)
    return keys


def site_key(edition_name: str, config: Config, site: Site) -> str:
    """The key of a site edition: every listed report, and the booklet sizes it shows, if it does."""
    from aireport.editions import by_name

    edition = by_name(edition_name)
    sizes = ",".join(f"{year}={size}" for year, size in sorted(site.pdf_sizes.items()))
    return edition_key(edition, config, site.reports, extra=f"all years\0{sizes if edition.shows_booklets else ''}")


def site_editions(options: BuildOptions, plan: Plan, warn: Callable[[str], None]) -> tuple:
    """The site editions to consider; none while a published year's report does not load,
    since the lists cannot be made without it."""
    editions = chosen(options.only, SITE)
    if plan.kept and editions:
        warn(f"the archive and feeds keep their last version until the report of "
             f"{', '.join(map(str, plan.kept))} loads again")
        return ()
    return editions


def _load_reports(project: Project, plan: Plan) -> list[Report]:
    """Every report in issues/; one that does not load is a failure of its year, not of the publish."""
    reports = []
    for path in project.all_report_files():
        warnings: list[str] = []
        try:
            report = load_report(path, warnings.append)
        except AiReportError as exc:
            plan.failures[int(path.stem)] = exc.message
            continue
        plan.warnings[report.year] = warnings
        reports.append(report)
    return reports


def _published_years(out: Path) -> set[int]:
    if not out.is_dir():
        return set()
    return {int(p.name) for p in out.iterdir() if YEAR_FOLDER.fullmatch(p.name) and p.is_dir()}


def _fingerprints(config: Config, only: tuple[str, ...]) -> dict[str, str]:
    """Each edition's fingerprint; editions that name the same one (the web page and the archive
    share the pictures') get it worked out once, since it asks fontconfig for the fonts."""
    by_target: dict[str, str] = {}
    for edition in chosen(only):
        if edition.fingerprint and edition.fingerprint not in by_target:
            by_target[edition.fingerprint] = edition.function("fingerprint")(config)
    return {e.name: by_target[e.fingerprint] for e in chosen(only) if e.fingerprint}
