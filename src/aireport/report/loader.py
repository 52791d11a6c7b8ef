"""issues/YEAR.md to a Report. Pure: reads one file, touches nothing else."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from aireport.report.body import Line, parse_body
from aireport.report.characters import UNUSABLE, describe
from aireport.errors import ReportError, display_path
from aireport.report.frontmatter import parse_front_matter
from aireport.report.lint import apply_rules
from aireport.report.markup import Renderer
from aireport.report.model import Report
from aireport.report.problems import ERROR, Problem, Problems
from aireport.report.source import read_report_text, split_front_matter
from aireport.report.years import parse_year

MAX_LINE = 10_000


def report_path(issues_dir: Path, year: str) -> Path:
    """The report file for YEAR; anything but a four-digit year is refused."""
    try:
        return issues_dir / f"{parse_year(str(year))}.md"
    except ValueError as exc:
        raise ReportError(issues_dir, None, str(exc)) from None


def parse_report(path: Path, problems: Problems) -> tuple[Report | None, str]:
    """The report and its text; structural problems go to `problems`.

    Unreadable files and malformed YAML raise ReportError: nothing past them
    can be checked.
    """
    text = read_report_text(path)
    _check_characters(path, text, problems)
    source = split_front_matter(path, text)
    front = parse_front_matter(source, problems)
    lines = [Line(source.body_line + i, t) for i, t in enumerate(source.body.split("\n"))]
    sections = parse_body(lines, front.sources if front else None, Renderer(), problems)
    if front is None or not sections:
        if front is not None:
            problems.error(source.body_line, "the report has no sections; add chapters ('## …')")
        return None, text
    report = Report(path=path, sections=sections, digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    **{f.name: getattr(front, f.name) for f in fields(front)})
    return report, text


def _check_characters(path: Path, text: str, problems: Problems) -> None:
    """Refuse what no edition can carry, and lines too long for Markdown and the linter to read in
    linear time (no Chinese paragraph comes near the limit)."""
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE:
            raise ReportError(path, number, f"line of {len(line)} characters; break it into lines of "
                              f"at most {MAX_LINE} (a line break inside a paragraph changes nothing)")
        if bad := UNUSABLE.search(line):
            problems.error(number, f"holds the control character {describe(bad.group())}, which the feeds "
                           "and the e-mail cannot carry; remove it")


def inspect_report(path: Path) -> tuple[Report | None, list[Problem]]:
    """The report (None when errors stop loading) and every problem, in line order."""
    problems = Problems()
    try:
        report, text = parse_report(path, problems)
    except ReportError as exc:
        return None, [Problem(exc.line or 1, ERROR, exc.detail, exc.rule)]
    apply_rules(report, text, problems)
    return report, sorted(set(problems))


def load_report(path: Path, warn: Callable[[str], None] | None = None) -> Report:
    """The report, or a ReportError naming its first error; warnings go to `warn`."""
    report, problems = inspect_report(path)
    errors = [p for p in problems if p.level == ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more; run `aireport check {path.stem}`)" if len(errors) > 1 else ""
        raise ReportError(path, errors[0].line, errors[0].message + more)
    if warn:
        for problem in problems:
            warn(problem.format(display_path(path)))
    assert report is not None
    return report
