"""`aireport publish`: start the workers first, then load everything else and build.

This module imports nothing heavy, so the workers are forked before Markdown,
Jinja2 and the editions' libraries are imported in the main process: a worker
spends WeasyPrint's import while the main process spends its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aireport.build.options import BuildOptions
from aireport.build.workers import Workers, started, worker_count
from aireport.config import PLACEHOLDER_SITE_URL, PLACEHOLDER_WARNING, find_root
from aireport.editions import YEAR, chosen

if TYPE_CHECKING:
    from aireport.build.progress import Quiet
    from aireport.build.run import BuildResult


def publish(root: Path, options: BuildOptions, overrides: dict[str, Any] | None = None,
            progress_for: Callable[[Path], Quiet] | None = None) -> BuildResult:
    """Publish the project at `root`; `overrides` are command-line settings (site_url, output, paper),
    and `progress_for(output folder)` says how to report progress."""
    root = find_root(root)
    with start_workers(root, options) as workers:
        from aireport.build.run import build
        from aireport.project import open_project

        project = open_project(root)
        if overrides:
            project = project.with_overrides(**overrides)
        progress = progress_for(project.config.output_dir) if progress_for else None
        if progress is not None and project.config.site_url == PLACEHOLDER_SITE_URL:
            progress.warning(PLACEHOLDER_WARNING)  # publish only: a preview's links point at itself
        return build(project, options, progress, workers)


def start_workers(root: Path, options: BuildOptions) -> AbstractContextManager[Workers | None]:
    """Workers for the slow editions asked for: at most one per report and per core, up to -j."""
    slow = [edition for edition in chosen(options.only, YEAR) if edition.split]
    reports = sum(1 for _ in _report_files(root))
    count = worker_count(options.jobs, reports, bool(slow))
    return started(count, tuple(edition.warm_up for edition in slow if edition.warm_up))


def _report_files(root: Path) -> Iterator[Path]:
    try:
        yield from (root / "issues").glob("[0-9][0-9][0-9][0-9].md")
    except OSError:
        return
