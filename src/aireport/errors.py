"""Errors a user can act on. Each prints as one line and exits non-zero."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import click


UNSHOWN = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")  # what a terminal would act on rather than show


class AiReportError(click.ClickException):
    """A user mistake: bad input, bad configuration, a missing system tool."""

    exit_code = 1

    def format_message(self) -> str:
        return printable(self.message)  # one line, whatever the user's input held


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
    """Invalid `[tool.aireport]` settings; all problems are listed at once, one a line."""

    def format_message(self) -> str:
        return "\n".join(printable(line) for line in self.message.split("\n"))


class BuildError(AiReportError):
    """An edition could not be built (for example a size budget was exceeded)."""


def printable(text: str) -> str:
    """`text` safe to show on a terminal: control, bidi and unpaired surrogate characters become escapes,
    so a report cannot move the cursor, recolour the screen or reorder what is shown."""
    if text.isprintable():
        return text
    return "".join(_escape(char) if unicodedata.category(char) in UNSHOWN else char for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def display_path(path: Path) -> str:
    """Show paths relative to the working directory when they lie below it."""
    absolute = Path(os.path.abspath(path))
    for base in (Path.cwd(), Path.cwd().resolve()):
        if absolute.is_relative_to(base):
            return str(absolute.relative_to(base)) if absolute != base else "."
    return str(path)
