"""The project a command works on: its root folder, settings and reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aireport.config import Config, find_root, load_config
from aireport.errors import AiReportError, display_path
from aireport.loader import report_path


@dataclass(frozen=True)
class Project:
    config: Config

    @property
    def root(self) -> Path:
        return self.config.root

    def report_file(self, year: str) -> Path:
        path = report_path(self.config.issues_dir, year)
        if not path.is_file():
            raise AiReportError(
                f"{display_path(path)}: no report for {year}; create it with `aireport new {year}`"
            )
        return path

    def all_report_files(self) -> list[Path]:
        folder = self.config.issues_dir
        files = sorted(p for p in folder.glob("*.md") if p.stem.isdigit() and len(p.stem) == 4)
        if not files:
            raise AiReportError(f"{display_path(folder)}: no reports found (issues/YEAR.md)")
        return files


def open_project(start: Path) -> Project:
    return Project(load_config(find_root(start)))
