"""Problems found in a report: errors stop a build, warnings are shown."""

from __future__ import annotations

from dataclasses import dataclass

from aireport.errors import printable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    level: str
    message: str

    def format(self, path: str) -> str:
        return printable(f"{path}:{self.line}: {self.level}: {self.message}")


class Problems(list):
    """An ordered collector, so every rule can report without stopping the others."""

    def error(self, line: int, message: str) -> None:
        self.append(Problem(line, ERROR, message))

    def warning(self, line: int, message: str) -> None:
        self.append(Problem(line, WARNING, message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == ERROR]
