"""Placeholder text of the report template, which `aireport check` asks the editor to replace.

The template marks each placeholder (`{{ "作者姓名" | placeholder }}`), so the
list is read from the template itself and the two cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

from aireport.report.problems import Problems

TEMPLATE = "new-report.md"
MARKED = re.compile(r"""\{\{\s*(["'])(.+?)\1\s*\|\s*placeholder\s*\}\}""")


def template_placeholders(templates_dir: Path) -> tuple[str, ...]:
    """The template's placeholder texts, longest first; none when the project has no template."""
    try:
        source = (templates_dir / TEMPLATE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(sorted({m.group(2) for m in MARKED.finditer(source)}, key=len, reverse=True))


def placeholder(text: str) -> str:
    """The Jinja filter that marks placeholders: it leaves the text as it is."""
    return text


def check_placeholders(text: str, placeholders: tuple[str, ...], problems: Problems) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        for found in _left_in(line, placeholders):
            problems.error(number, f"placeholder text \"{found}\" left from the template; replace it",
                           rule="placeholder")


def _left_in(line: str, placeholders: tuple[str, ...]) -> list[str]:
    """The placeholders in a line; one inside a longer one counts once."""
    found: list[str] = []
    for text in placeholders:  # longest first
        if text in line and not any(text in longer for longer in found):
            found.append(text)
    return found
