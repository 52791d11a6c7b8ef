"""Running the checks of `aireport check` over a project's reports and summarising what they found."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from aireport.atomic import write_atomic
from aireport.errors import display_path
from aireport.project import Project
from aireport.report.editorial import editorial_problems
from aireport.report.housestyle import fix_house_style
from aireport.report.loader import inspect_report
from aireport.report.placeholders import template_placeholders
from aireport.report.problems import Problem
from aireport.report.source import read_report_text

FORMATS = ("text", "json")


@dataclass(frozen=True)
class CheckResult:
    problems: tuple[tuple[str, Problem], ...]  # (displayed path, problem), file by file in line order
    reports: int
    fixed: tuple[tuple[str, int], ...] = ()  # (displayed path, lines changed) of each file --fix rewrote

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for _, p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for _, p in self.problems)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(problem.format(path) for path, problem in self.problems)

    def as_json(self) -> str:
        return json.dumps([problem.as_dict(path) for path, problem in self.problems], ensure_ascii=False, indent=2)

    @property
    def summary(self) -> str:
        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        return (f"checked {count(self.reports, 'report')}: {count(self.errors, 'error')}, "
                f"{count(self.warnings, 'warning')}")


def run_check(project: Project, years: tuple[str, ...], fix: bool = False) -> CheckResult:
    """Every problem of the reports (all of issues/ without years); with `fix`, house style is applied first."""
    files = [project.report_file(y) for y in years] if years else project.all_report_files()
    placeholders = template_placeholders(project.config.templates_dir)
    found, fixed = [], []
    for path in files:
        if fix:
            fixed.append((display_path(path), fix_report(path)))
        report, problems = inspect_report(path)
        if not any(p.rule == "file" for p in problems):  # a file that cannot be read has no text to check
            text = read_report_text(path)
            problems = sorted(set(problems) | set(editorial_problems(report, text, placeholders)))
        found.extend((display_path(path), problem) for problem in problems)
    return CheckResult(tuple(found), len(files), tuple(fixed))


def fix_report(path: Path) -> int:
    """Rewrite the report's prose in house style, atomically; how many lines changed."""
    from aireport.errors import ReportError

    try:
        text = read_report_text(path)
    except ReportError:
        return 0  # the check reports why it cannot be read
    raw = path.read_bytes().decode("utf-8")
    fixed, changed = fix_house_style(text)
    if changed:
        newline = "\r\n" if "\r\n" in raw else "\n"
        bom = "\ufeff" if raw.startswith("\ufeff") else ""
        write_atomic(path, (bom + fixed.replace("\n", newline)).encode("utf-8"))
    return changed
