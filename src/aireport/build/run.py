"""A publish: plan from the sources, render what is stale in memory, then write it all at once.

Each year renders completely before anything is written, so a year that fails
leaves its files as they were while the others are published. The site
editions are made over every listed year: those that do not show the booklets
(search, sitemap) while the workers typeset them, the archive and feeds after.
Nothing is written until everything has rendered, and then all of it is staged
and switched in together (build/writer.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment

from aireport.build.cache import BuildCache, state_path
from aireport.build.lock import output_lock
from aireport.build.options import BuildOptions
from aireport.build.plan import Plan, YearPlan, make_plan, site_editions, site_key
from aireport.build.progress import Quiet
from aireport.build.publish import start_workers
from aireport.build.workers import Job, Workers
from aireport.build.writer import Staging, clean_up
from aireport.config import Config
from aireport.editions import by_name
from aireport.editions.site import Site
from aireport.editions.templating import make_environment
from aireport.errors import AiReportError, BuildError, display_path
from aireport.project import Project

LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last time a file system is sure to store


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
    built: list[int] = field(default_factory=list)  # years with an edition rendered
    also_built: list[int] = field(default_factory=list)  # of those, the ones not asked for
    removed: list[int] = field(default_factory=list)  # year folders taken away: no longer listed
    obsolete: list[str] = field(default_factory=list)  # files an edition wrote before and writes no more
    out: Path | None = None  # the output folder


@dataclass
class _Year:
    plan: YearPlan
    outputs: dict[str, Output] = field(default_factory=dict)
    error: str | None = None
    waiting: set[str] = field(default_factory=set)  # editions a worker is still making
    prepared_in: dict[str, float] = field(default_factory=dict)  # edition -> seconds spent preparing it here


def build(project: Project, options: BuildOptions, progress: Quiet | None = None,
          workers: Workers | None = None) -> BuildResult:
    """Publish as `options` say, with the workers the caller started already, or else with its own."""
    if workers is None:
        with start_workers(project.root, options) as own:
            return _build(project, options, progress, own)
    return _build(project, options, progress, workers)


def _build(project: Project, options: BuildOptions, progress: Quiet | None, workers: Workers | None) -> BuildResult:
    config = project.config
    out = checked_output_dir(config)
    mtime = source_date_epoch()
    progress = progress or Quiet()
    result = BuildResult(out=out)
    with output_lock(state_path(config, out, ".lock"), out, progress):
        clean_up(out)
        cache = BuildCache.open(config, out, trust=not options.force)
        plan = make_plan(project, options, out, cache)
        result.failures.update(plan.failures)
        result.unchanged.extend(plan.unchanged)
        for year_plan in plan.years:
            for line in plan.warnings.get(year_plan.report.year, []):
                progress.warning(line)
        site_jobs = site_editions(options, plan, progress.warning)
        progress.planned(sum(len(y.keys) for y in plan.years) + len(plan.unchanged) + len(site_jobs))
        for job in plan.unchanged:
            progress.done(job, fresh=True)
        env = make_environment(config.templates_dir)  # one for the whole publish: templates compile once
        years = _start_years(config, env, plan, workers, progress)
        early_jobs = tuple(e for e in site_jobs if not e.shows_booklets)
        failed_before = _failed(years, result)
        # Made while the workers typeset the booklets, which these editions do not show.
        early = _render_site(config, env, out, cache, plan, early_jobs, _good(years), result, progress)
        _finish_years(years, workers, progress)
        if _failed(years, result) != failed_before:  # a booklet failed: its year leaves those lists
            early = _render_site(config, env, out, cache, plan, early_jobs, _good(years), result, progress)
        _stop_when_the_only_year_asked_failed(options, result)
        late_jobs = tuple(e for e in site_jobs if e.shows_booklets)
        site_outputs = early + _render_site(config, env, out, cache, plan, late_jobs, _good(years), result, progress)
        good = _good(years)
        _write_all(out, mtime, cache, plan, good, site_outputs, result, progress)
    progress.close()
    return result


def _stop_when_the_only_year_asked_failed(options: BuildOptions, result: BuildResult) -> None:
    """`publish 2020` is about 2020: when it fails, the publish fails with its error and writes nothing."""
    if len(options.years) == 1 and int(options.years[0]) in result.failures:
        raise AiReportError(result.failures[int(options.years[0])])


def _start_years(config: Config, env: Environment, plan: Plan, workers: Workers | None,
                 progress: Quiet) -> list[_Year]:
    """Each stale year's light editions, rendered here; its slow ones handed to the workers."""
    years = [_Year(year_plan) for year_plan in plan.years]
    for year in years:
        _render_year(Site(config, env, plan.listed), year, workers, progress)
    return years


def _finish_years(years: list[_Year], workers: Workers | None, progress: Quiet) -> None:
    """Wait for the workers, keeping each slow edition with its year."""
    if workers is None or not any(year.waiting for year in years):
        return
    by_label = {f"{name} {year.plan.report.year}": year for year in years for name in year.waiting}
    for outcome in workers.outcomes():
        year = by_label[outcome.job.label]
        name = outcome.job.label.split()[0]
        year.waiting.discard(name)
        if outcome.files is None:
            year.error = year.error or outcome.error
            continue
        _keep(year, name, outcome.files, outcome.seconds + year.prepared_in[name])
        progress.done(outcome.job.label, fresh=False)


def _failed(years: list[_Year], result: BuildResult) -> set[int]:
    """Record the years that failed so far; the set of all failed years."""
    for year in years:
        if year.error is not None:
            result.failures[year.plan.report.year] = year.error
    return set(result.failures)


def _good(years: list[_Year]) -> list[_Year]:
    return [year for year in years if year.error is None]


def _render_year(site: Site, year: _Year, workers: Workers | None, progress: Quiet) -> None:
    report = year.plan.report
    try:
        for name in year.plan.keys:
            edition = by_name(name)
            started_at = time.perf_counter()
            if edition.split and workers is not None:
                job = edition.function("prepare")(report, site)
                workers.submit(Job(f"{name} {report.year}", edition.work, job))
                year.waiting.add(name)
                year.prepared_in[name] = time.perf_counter() - started_at
                continue
            files = edition.function("render")(report, site)
            _keep(year, name, files, time.perf_counter() - started_at)
            progress.done(f"{name} {report.year}", fresh=False)
    except AiReportError as exc:
        year.error = exc.message


def _keep(year: _Year, name: str, files: dict[str, bytes], seconds: float) -> None:
    for path, data in files.items():
        year.outputs[path] = Output(path, data, name, seconds)


def _render_site(config: Config, env: Environment, out: Path, cache: BuildCache, plan: Plan, editions: tuple,
                 years: list[_Year], result: BuildResult, progress: Quiet) -> list[tuple[str, str, list[Output]]]:
    """The site editions that are stale: (job, key, outputs) for each."""
    if not editions:
        return []
    failed = set(result.failures)
    listed = tuple(r for r in plan.listed if r.year not in failed or (out / Site.page_path(r.year)).is_file())
    fresh = [o for year in years for o in year.outputs.values()]
    site = Site(config, env, listed, _pdf_sizes(out, listed, fresh))
    rendered = []
    for edition in editions:
        key = site_key(edition.name, config, site)
        job = f"{edition.name} (all years)"
        if cache.fresh(job, key, out) is not None:
            result.unchanged.append(job)
            progress.done(job, fresh=True)
            continue
        started_at = time.perf_counter()
        files = edition.function("render")(site)
        seconds = time.perf_counter() - started_at
        rendered.append((job, key, [Output(path, data, edition.name, seconds) for path, data in files.items()]))
        progress.done(job, fresh=False)
    return rendered


def _write_all(out: Path, mtime: int | None, cache: BuildCache, plan: Plan, years: list[_Year],
               site_outputs: list, result: BuildResult, progress: Quiet) -> None:
    """Stage every file, switch them in together, then record what each edition was made from."""
    outputs = [o for year in years for o in year.outputs.values()] + [o for _, _, os_ in site_outputs for o in os_]
    staging = Staging(out)
    chosen_outputs: dict[str, Output] = {}
    for output in outputs:  # a file two editions share (the stylesheet) is written once
        chosen_outputs.setdefault(output.path, output)
    for path, output in chosen_outputs.items():
        staging.add(path, output.data)
    records = {f"{name} {year.plan.report.year}": (key, {o.path: o.data for o in year.outputs.values()
                                                         if o.edition == name})
               for year in years for name, key in year.plan.keys.items()}  # job -> (key, files) to record
    records.update((job, (key, {o.path: o.data for o in site_files})) for job, key, site_files in site_outputs)
    removed_folders = tuple(f"{year}/" for year in plan.removed)
    obsolete = [path for path in cache.superseded({job: set(files) for job, (_, files) in records.items()})
                if path not in chosen_outputs and not path.startswith(removed_folders)]
    for year in plan.removed:
        staging.remove(str(year))
    for path in obsolete:
        staging.remove_file(path)
    staging.switch(mtime)
    for output in chosen_outputs.values():
        result.written.append(output)
        progress.written(output.edition, output.path, len(output.data), output.seconds)
    for year in years:
        result.built.append(year.plan.report.year)
        if not year.plan.asked:
            result.also_built.append(year.plan.report.year)
    result.unchanged[:] = list(dict.fromkeys(result.unchanged))  # a site edition made again after a failure
    for job, (key, files) in records.items():
        cache.record(job, key, files)
    result.obsolete.extend(obsolete)
    for year in plan.removed:
        cache.forget_year(year)
    result.removed.extend(plan.removed)
    cache.save()


def _pdf_sizes(out: Path, listed: tuple, fresh: list[Output]) -> dict[int, int]:
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


def checked_output_dir(config: Config) -> Path:
    """The output folder, refusing any that would overwrite the project's own files."""
    try:
        out = config.output_dir
        root = config.root.resolve()
        protected = {root, config.issues_dir.resolve(), config.templates_dir.resolve(), root / "src"}
        if out in protected or out in root.parents or any(out.is_relative_to(p) for p in protected - {root}):
            raise AiReportError(f"--out {display_path(out)}: would overwrite the project's own files; "
                                "choose a separate folder such as dist/")
        if out.exists() and not out.is_dir():
            raise AiReportError(f"--out {display_path(out)}: is a file, not a folder")
    except OSError as exc:
        raise AiReportError(f"--out {config.output}: cannot be used: {exc.strerror}") from None
    return out


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH, which sets the time of every written file (reproducible builds)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isascii() or not value.strip().isdigit() or int(value) > LATEST_EPOCH:
        raise BuildError(f"SOURCE_DATE_EPOCH={value[:40]!r}: must be a whole number of seconds since 1970 "
                         f"up to {LATEST_EPOCH}; unset it or set it to the time of the last change")
    return int(value)
