"""Running the linter over several reports and summarising what it found."""

from __future__ import annotations

from dataclasses import dataclass

from aireport.errors import display_path
from aireport.report.loader import inspect_report
from aireport.project import Project


@dataclass(frozen=True)
class CheckResult:
    lines: tuple[str, ...]
    errors: int
    warnings: int
    reports: int

    @property
    def summary(self) -> str:
        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        return (f"checked {count(self.reports, 'report')}: {count(self.errors, 'error')}, "
                f"{count(self.warnings, 'warning')}")


def run_check(project: Project, years: tuple[str, ...]) -> CheckResult:
    files = [project.report_file(y) for y in years] if years else project.all_report_files()
    lines, errors, warnings = [], 0, 0
    for path in files:
        for problem in inspect_report(path)[1]:
            lines.append(problem.format(display_path(path)))
            errors += problem.level == "error"
            warnings += problem.level == "warning"
    return CheckResult(tuple(lines), errors, warnings, len(files))
