"""The project a command works on: its root folder, settings and reports."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aireport.config import Config, find_root, is_project, load_config
from aireport.errors import AiReportError, display_path
from aireport.report.loader import report_path
from aireport.report.years import is_year


@dataclass(frozen=True)
class Project:
    config: Config

    @property
    def root(self) -> Path:
        return self.config.root

    def with_overrides(self, **overrides) -> Project:
        """The project with command-line settings, validated like the file's."""
        return Project(self.config.with_overrides(**overrides))

    def report_file(self, year: str) -> Path:
        path = report_path(self.config.issues_dir, year)
        if not _exists(path):  # anything but a missing file is for the loader to name (a folder, a FIFO)
            raise AiReportError(
                f"{display_path(path)}: no report for {year}; create it with `aireport new {year}`"
            )
        return self._inside_issues(path)

    def all_report_files(self) -> list[Path]:
        folder = self.config.issues_dir
        try:
            names = sorted(entry.name for entry in os.scandir(folder))
        except FileNotFoundError:
            names = []
        except OSError as exc:
            raise AiReportError(f"{display_path(folder)}: cannot be read: {exc.strerror}") from None
        files = [folder / name for name in names if name.endswith(".md") and is_year(name[:-3])]
        if not files:
            raise AiReportError(f"{display_path(folder)}: no reports found (issues/YEAR.md)")
        return [self._inside_issues(path) for path in files]

    def _inside_issues(self, path: Path) -> Path:
        """Refuse a report that is a link to a file elsewhere: editions read only the project."""
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a link to itself, or a chain too long
            raise AiReportError(f"{display_path(path)}: is a symbolic link that loops; replace it with "
                                "the report file") from None
        if not resolved.is_relative_to(self.config.issues_dir.resolve()):
            raise AiReportError(f"{display_path(path)}: links to {path.resolve()}, outside issues/; "
                                "keep reports as files in issues/")
        return path


def _exists(path: Path) -> bool:
    try:
        path.lstat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise AiReportError(f"{display_path(path)}: cannot be read: {exc.strerror}") from None
    return True


NOT_A_PROJECT = ("not an aireport project (no issues/ folder, nor a pyproject.toml with [tool.aireport], here "
                 "or in a folder above); start one with `mkdir issues && aireport new YEAR`")


def open_project(start: Path) -> Project:
    root = find_root(start)
    if not is_project(root):
        raise AiReportError(f"{start}: {NOT_A_PROJECT}")
    return Project(load_config(root))
