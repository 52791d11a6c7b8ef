"""Problems found in a report: errors stop a build, warnings are shown.

Every problem names the rule that found it (`structure`, `url`, `spacing`, …),
so that `aireport check --format json` can be filtered by editors' tools.
"""

from __future__ import annotations

from dataclasses import dataclass

from aireport.errors import printable

ERROR = "error"
WARNING = "warning"
STRUCTURE = "structure"  # the body's shape: sections, topics, items, headings


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    level: str
    message: str
    rule: str = STRUCTURE

    def format(self, path: str) -> str:
        return printable(f"{path}:{self.line}: {self.level}: {self.message}")

    def as_dict(self, path: str) -> dict:
        return {"file": path, "line": self.line, "level": self.level, "rule": self.rule, "message": self.message}


class Problems(list):
    """An ordered collector, so every rule can report without stopping the others."""

    def error(self, line: int, message: str, rule: str = STRUCTURE) -> None:
        self.append(Problem(line, ERROR, message, rule))

    def warning(self, line: int, message: str, rule: str = STRUCTURE) -> None:
        self.append(Problem(line, WARNING, message, rule))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == ERROR]
