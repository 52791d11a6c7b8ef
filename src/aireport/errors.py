"""Errors a user can act on. Each prints as one line and exits non-zero."""

from __future__ import annotations

import os
from pathlib import Path

import click


class AiReportError(click.ClickException):
    """A user mistake: bad input, bad configuration, a missing system tool."""

    exit_code = 1


class ReportError(AiReportError):
    """A problem located in a file, shown as `path:line: message`."""

    def __init__(self, path: Path | str, line: int | None, message: str, rule: str = "file") -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        self.rule = rule  # the check rule it belongs to, for `aireport check --format json`
        where = f"{display_path(self.path)}:{line}" if line else display_path(self.path)
        super().__init__(f"{where}: {message}")


class ConfigError(AiReportError):
    """Invalid `[tool.aireport]` settings; all problems are listed at once."""


class BuildError(AiReportError):
    """An edition could not be built (for example a size budget was exceeded)."""


def display_path(path: Path) -> str:
    """Show paths relative to the working directory when they lie below it."""
    absolute = Path(os.path.abspath(path))
    for base in (Path.cwd(), Path.cwd().resolve()):
        if absolute.is_relative_to(base):
            return str(absolute.relative_to(base)) if absolute != base else "."
    return str(path)
