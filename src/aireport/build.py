"""Plan a publish, render every edition in memory, then hand the bytes to the writer.

Nothing is written until every edition has rendered, so a failing build leaves
dist/ as it was.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aireport.config import Config
from aireport.errors import AiReportError, display_path
from aireport.loader import load_report
from aireport.locking import output_lock
from aireport.model import Report
from aireport.project import Project
from aireport.site import Site
from aireport.templating import make_environment
from aireport.writer import remove_stale_temporaries, write_atomic

EDITIONS = ("web", "feed", "pdf", "email")
# Each edition is a module with one public function; adding one is adding a line here.
YEAR_EDITIONS = {
    "pdf": ("aireport.outputs.pdf", "render_pdf"),
    "web": ("aireport.outputs.web", "render_web"),
    "email": ("aireport.outputs.email", "render_email"),
}
SITE_EDITIONS = {
    "web": ("aireport.outputs.web", "render_archive"),
    "feed": ("aireport.outputs.feed", "render_feeds"),
}


@dataclass(frozen=True)
class BuildOptions:
    years: tuple[str, ...] = ()
    all_years: bool = False
    drafts: bool = False
    only: tuple[str, ...] = EDITIONS


@dataclass(frozen=True)
class Output:
    path: str  # relative to the output folder
    data: bytes
    edition: str
    seconds: float


Progress = Callable[[str, str, Output | None], None]


def parse_only(value: str | None) -> tuple[str, ...]:
    if not value:
        return EDITIONS
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [name for name in chosen if name not in EDITIONS]
    if unknown or not chosen:
        raise AiReportError(f"--only {value}: unknown edition {', '.join(unknown) or '(none)'}; "
                            f"choose from {','.join(EDITIONS)}")
    return chosen


def publish(project: Project, options: BuildOptions, progress: Progress | None = None) -> list[Output]:
    config = project.config
    out = checked_output_dir(config)
    built = _reports_to_build(project, options, progress)
    with output_lock(out, progress):
        remove_stale_temporaries(out)
        listed = _listed_reports(project, out, built, options.drafts)
        env = make_environment(config.templates_dir)
        outputs: dict[str, Output] = {}
        for report in built:
            site = Site(config, env, listed)
            for edition in (e for e in YEAR_EDITIONS if e in options.only):
                _render(YEAR_EDITIONS[edition], edition, (report, site), outputs)
        site = Site(config, env, listed, _pdf_sizes(out, listed, outputs))
        for edition in (e for e in SITE_EDITIONS if e in options.only):
            _render(SITE_EDITIONS[edition], edition, (site,), outputs)
        mtime = _source_date_epoch()
        for output in outputs.values():
            write_atomic(out / output.path, output.data, mtime)
            if progress:
                progress(output.edition, output.path, output)
    return list(outputs.values())


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


def _reports_to_build(project: Project, options: BuildOptions, progress: Progress | None) -> list[Report]:
    warn = (lambda line: progress("warning", line, None)) if progress else None
    if options.all_years:
        reports = [load_report(path, warn) for path in project.all_report_files()]
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


def _listed_reports(project: Project, out: Path, built: list[Report], drafts: bool) -> tuple[Report, ...]:
    """The years built now plus those already published in the output folder."""
    years = {r.year: r for r in built}
    if out.is_dir():
        for folder in out.iterdir():
            if re.fullmatch(r"\d{4}", folder.name) and folder.is_dir() and int(folder.name) not in years:
                path = project.config.issues_dir / f"{folder.name}.md"
                if path.is_file():
                    report = load_report(path)
                    if drafts or not report.draft:
                        years[report.year] = report
    return tuple(years[y] for y in sorted(years, reverse=True))


def _pdf_sizes(out: Path, listed: tuple[Report, ...], outputs: dict[str, Output]) -> dict[int, int]:
    fresh = {path: len(o.data) for path, o in outputs.items()}
    sizes = {}
    for report in listed:
        path = Site.pdf_path(report.year)
        if path in fresh:
            sizes[report.year] = fresh[path]
        elif (out / path).is_file():
            sizes[report.year] = (out / path).stat().st_size
    return sizes


def _render(target: tuple[str, str], edition: str, args: tuple, outputs: dict[str, Output]) -> None:
    """Run one edition; a file two editions share (the stylesheet) is reported once."""
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
        raise AiReportError(f"SOURCE_DATE_EPOCH={value!r}: must be a whole number of seconds")
    return int(value)
