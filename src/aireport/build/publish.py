"""Plan a publish, render what is stale, then hand the bytes to the writer.

Each year renders completely in memory before anything of it is written, so a
year that fails leaves its files in dist/ as they were. Years render in
parallel processes when there are several; the archive and feeds come last,
over every listed year.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from aireport.build.cache import BuildCache, edition_key
from aireport.config import Config
from aireport.errors import AiReportError, BuildError, display_path
from aireport.editions.booklet.fonts import fingerprint as fonts_fingerprint
from aireport.report.loader import load_report
from aireport.build.lock import output_lock
from aireport.report.model import Report
from aireport.build.options import BuildOptions
from aireport.build.progress import Quiet
from aireport.project import Project
from aireport.editions.site import Site
from aireport.editions.templating import make_environment
from aireport.build.workers import booklet_workers
from aireport.atomic import remove_stale_temporaries, write_atomic

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

# Each edition is a module with one public function; adding one is adding a line here.
# The booklet is by far the slowest, so it renders last: a mistake the others find costs no wait.
# With booklet workers (workers.py) it is only prepared here and typeset in a worker.
BOOKLET = "pdf"
YEAR_EDITIONS = {
    "web": ("aireport.editions.web", "render_web"),
    "email": ("aireport.editions.email.message", "render_email"),
    "pdf": ("aireport.editions.booklet.prepare", "render_pdf"),
}
SITE_EDITIONS = {
    "web": ("aireport.editions.web", "render_archive"),
    "feed": ("aireport.editions.feeds", "render_feeds"),
}


@dataclass(frozen=True)
class Output:
    path: str  # relative to the output folder
    data: bytes
    edition: str
    seconds: float


@dataclass
class BuildResult:
    written: list[Output] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # jobs found up to date
    failures: dict[int, str] = field(default_factory=dict)  # year -> the error, one line


@dataclass(frozen=True)
class PendingBooklet:
    """A booklet prepared here and being typeset by a worker."""

    path: str
    prepared_in: float  # seconds
    typesetting: AsyncResult  # of workers.typeset_booklet

    def wait(self) -> tuple[Output | None, str | None]:
        """The booklet's file, or the error that stopped it."""
        data, error, seconds = self.typesetting.get()
        if data is None:
            return None, error
        return Output(self.path, data, BOOKLET, self.prepared_in + seconds), None


@dataclass(frozen=True)
class YearResult:
    year: int
    keys: dict[str, str]  # edition -> the key of what it was made from
    outputs: tuple[Output, ...] = ()
    error: str | None = None
    booklet: PendingBooklet | None = None

    def finished(self) -> YearResult:
        """The year with its booklet, once the worker has typeset it."""
        if self.booklet is None:
            return self
        output, error = self.booklet.wait()
        return replace(self, outputs=self.outputs + ((output,) if output else ()), error=self.error or error,
                       booklet=None)


def publish(project: Project, options: BuildOptions, progress: Quiet | None = None,
            started_workers: Pool | None = None) -> BuildResult:
    """Publish as `options` say, with the booklet workers the caller started already
    (workers.booklet_workers, as early as it could) or else with workers of its own."""
    config = project.config
    out = checked_output_dir(config)
    progress = progress or Quiet()
    result = BuildResult()
    with nullcontext(started_workers) if started_workers is not None else booklet_workers(options) as workers:
        reports = _reports_to_build(project, options, result, progress)
        with output_lock(out, progress):
            remove_stale_temporaries(out)
            cache = BuildCache.open(config, out, trust=not options.force)
            listed, unloadable = _listed_reports(project, out, reports, options.drafts)
            stale = _stale_years(config, out, cache, reports, options.only, result)
            only_site = () if unloadable else options.only  # the lists cannot be made without those years
            progress.planned(sum(len(keys) for _, keys in stale) + len(result.unchanged)
                             + sum(e in only_site for e in SITE_EDITIONS))
            for job in result.unchanged:
                progress.done(job, fresh=True)
            rendered = _render_years(config, listed, stale, workers, progress)
            years = [y for y in rendered if _succeeded(y, options, result)]
            listed = tuple(r for r in listed if r.year not in result.failures or _was_published(out, r.year))
            fresh_outputs = [o for y in years for o in y.outputs]
            site = _render_site(config, out, cache, listed, only_site, fresh_outputs, result, progress)
            if unloadable and any(e in options.only for e in SITE_EDITIONS):
                progress.warning(f"the archive and feeds keep their last version until the report of "
                                 f"{', '.join(map(str, unloadable))} loads again")
            _write_all(years, site, out, cache, result, progress)  # only now that everything rendered
    progress.close()
    return result


def _write_all(years: list[YearResult], site: list, out: Path, cache: BuildCache, result: BuildResult,
               progress: Quiet) -> None:
    for year_result in years:
        _write(year_result.outputs, out, result, progress)
        for edition, key in year_result.keys.items():
            files = {o.path: o.data for o in year_result.outputs if o.edition == edition}
            cache.record(f"{edition} {year_result.year}", key, files)
    for job, key, outputs in site:
        _write(outputs, out, result, progress)
        cache.record(job, key, {o.path: o.data for o in outputs})
    cache.save()


def _succeeded(year_result: YearResult, options: BuildOptions, result: BuildResult) -> bool:
    """Keep a year that rendered; a failing year is the whole build's error when it is the only one."""
    if year_result.error is None:
        return True
    if not options.all_years and len(options.years) <= 1:
        raise AiReportError(year_result.error)
    result.failures[year_result.year] = year_result.error
    return False


def checked_output_dir(config: Config) -> Path:
    """The output folder, refusing any that would overwrite the project's own files."""
    out = config.output_dir
    root = config.root.resolve()
    protected = {root, config.issues_dir.resolve(), config.templates_dir.resolve(), root / "src"}
    if out in protected or out in root.parents or any(out.is_relative_to(p) for p in protected - {root}):
        raise AiReportError(f"--out {display_path(out)}: would overwrite the project's own files; "
                            "choose a separate folder such as dist/")
    if out.exists() and not out.is_dir():
        raise AiReportError(f"--out {display_path(out)}: is a file, not a folder")
    return out


def _reports_to_build(project: Project, options: BuildOptions, result: BuildResult,
                      progress: Quiet) -> list[Report]:
    warn = progress.warning
    if options.all_years:
        reports = []
        for path in project.all_report_files():
            try:
                reports.append(load_report(path, warn))
            except AiReportError as exc:  # one broken year does not stop the others
                result.failures[int(path.stem)] = exc.message
        return [r for r in reports if options.drafts or not r.draft]
    if not options.years:
        raise AiReportError("give a YEAR to publish (such as `aireport publish 2020`) or --all")
    reports = []
    for year in dict.fromkeys(options.years):
        report = load_report(project.report_file(year), warn)
        if report.draft and not options.drafts:
            raise AiReportError(f"{display_path(report.path)}: {year} is a draft (draft: true); "
                                "set draft: false to publish it, or pass --drafts to preview it")
        reports.append(report)
    return reports


def _listed_reports(project: Project, out: Path, built: list[Report],
                    drafts: bool) -> tuple[tuple[Report, ...], list[int]]:
    """The years built now plus those already published in the output folder, newest first;
    and the published years whose report no longer loads."""
    years = {r.year: r for r in built}
    unloadable = []
    if out.is_dir():
        for folder in out.iterdir():
            if re.fullmatch(r"\d{4}", folder.name) and folder.is_dir() and int(folder.name) not in years:
                path = project.config.issues_dir / f"{folder.name}.md"
                if path.is_file():
                    try:
                        report = load_report(path)
                    except AiReportError:
                        unloadable.append(int(folder.name))
                        continue
                    if drafts or not report.draft:
                        years[report.year] = report
    return tuple(years[y] for y in sorted(years, reverse=True)), sorted(unloadable)


def _was_published(out: Path, year: int) -> bool:
    return (out / Site.page_path(year)).is_file()


def _stale_years(config: Config, out: Path, cache: BuildCache, reports: list[Report],
                 only: tuple[str, ...], result: BuildResult) -> list[tuple[Report, dict[str, str]]]:
    """Each report with the editions of it that must be rendered, and their keys."""
    stale = []
    extra = {"pdf": fonts_fingerprint(config.root, config.font_dir)} if "pdf" in only and reports else {}
    for report in reports:
        keys = {}
        for edition in (e for e in YEAR_EDITIONS if e in only):
            key = edition_key(edition, config, (report,), extra.get(edition, ""))
            if cache.fresh(f"{edition} {report.year}", key, out) is None:
                keys[edition] = key
            else:
                result.unchanged.append(f"{edition} {report.year}")
        if keys:
            stale.append((report, keys))
    return stale


def _render_years(config: Config, listed: tuple[Report, ...], stale: list, workers: Pool | None,
                  progress: Quiet) -> list[YearResult]:
    """Each stale year, rendered here while the workers typeset its booklet."""
    rendered = [_render_year(config, report, listed, keys, workers, progress) for report, keys in stale]
    if any(year_result.booklet for year_result in rendered):
        for module_name, _ in SITE_EDITIONS.values():  # imported while the booklets are typeset, not after
            importlib.import_module(module_name)
    finished = []
    for year_result in rendered:
        if year_result.booklet is not None:
            year_result = year_result.finished()
            if year_result.error is None:
                progress.done(f"{BOOKLET} {year_result.year}", fresh=False)
        finished.append(year_result)
    return finished


def _render_year(config: Config, report: Report, listed: tuple[Report, ...], keys: dict[str, str],
                 workers: Pool | None, progress: Quiet) -> YearResult:
    """The stale editions of one year (the keys of `keys`), in memory; a user error fails the year.

    With booklet workers, the booklet is only prepared here and handed to one of them to typeset.
    """
    try:
        site = Site(config, make_environment(config.templates_dir), listed)
        outputs: dict[str, Output] = {}
        booklet = None
        for edition in keys:
            if edition == BOOKLET and workers is not None:
                booklet = _hand_over_booklet(report, site, workers)
            else:
                _render(YEAR_EDITIONS[edition], edition, (report, site), outputs)
                progress.done(f"{edition} {report.year}", fresh=False)
    except AiReportError as exc:
        return YearResult(report.year, keys, error=exc.message)
    return YearResult(report.year, keys, tuple(outputs.values()), booklet=booklet)


def _hand_over_booklet(report: Report, site: Site, workers: Pool) -> PendingBooklet:
    from aireport.editions.booklet.prepare import prepare_booklet
    from aireport.build.workers import typeset_booklet

    started = time.perf_counter()
    booklet = prepare_booklet(report, site)
    return PendingBooklet(site.pdf_path(report.year), time.perf_counter() - started,
                          workers.apply_async(typeset_booklet, (booklet,)))


def _render_site(config: Config, out: Path, cache: BuildCache, listed: tuple[Report, ...],
                 only: tuple[str, ...], fresh: list[Output], result: BuildResult,
                 progress: Quiet) -> list[tuple[str, str, tuple[Output, ...]]]:
    """The archive and feeds, when stale: (job, key, outputs) for each."""
    site = Site(config, make_environment(config.templates_dir), listed, _pdf_sizes(out, listed, fresh))
    rendered = []
    for edition in (e for e in SITE_EDITIONS if e in only):
        sizes = ",".join(f"{year}={size}" for year, size in sorted(site.pdf_sizes.items()))
        key = edition_key(edition, config, listed, extra=f"all years\0{sizes}")
        job = f"{edition} (all years)"
        if cache.fresh(job, key, out) is not None:
            result.unchanged.append(job)
            progress.done(job, fresh=True)
            continue
        outputs: dict[str, Output] = {}
        _render(SITE_EDITIONS[edition], edition, (site,), outputs)
        progress.done(job, fresh=False)
        rendered.append((job, key, tuple(outputs.values())))
    return rendered


def _write(outputs: tuple[Output, ...], out: Path, result: BuildResult, progress: Quiet) -> None:
    mtime = _source_date_epoch()
    done = {o.path: o.data for o in result.written}
    for output in outputs:
        if done.get(output.path) == output.data:
            continue  # a file two editions share, such as the stylesheet
        write_atomic(out / output.path, output.data, mtime)
        result.written.append(output)
        progress.written(output.edition, output.path, len(output.data), output.seconds)


def _pdf_sizes(out: Path, listed: tuple[Report, ...], fresh: list[Output]) -> dict[int, int]:
    """The booklet sizes for the feeds' enclosures: just rendered, or as published."""
    rendered = {o.path: len(o.data) for o in fresh}
    sizes = {}
    for report in listed:
        path = Site.pdf_path(report.year)
        if path in rendered:
            sizes[report.year] = rendered[path]
        elif (out / path).is_file():
            sizes[report.year] = (out / path).stat().st_size
    return sizes


def _render(target: tuple[str, str], edition: str, args: tuple, outputs: dict[str, Output]) -> None:
    """Run one edition; a file two editions share (the stylesheet) is kept once."""
    module_name, function_name = target
    render = getattr(importlib.import_module(module_name), function_name)
    started = time.perf_counter()
    files = render(*args)
    seconds = time.perf_counter() - started
    for path, data in files.items():
        if path in outputs and outputs[path].data == data:
            continue
        outputs[path] = Output(path, data, edition, seconds)


def _source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isdigit():
        raise BuildError(f"SOURCE_DATE_EPOCH={value!r}: must be a whole number of seconds")
    return int(value)
