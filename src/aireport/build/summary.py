"""The one line a publish ends with."""

from __future__ import annotations

from aireport.build.run import BuildResult
from aireport.errors import display_path


def summary(result: BuildResult, seconds: float) -> str:
    years = ", ".join(map(str, sorted(set(result.built) - set(result.also_built)))) or "nothing new"
    line = f"published {years}"
    if result.also_built:
        line += f" (also built {', '.join(map(str, sorted(result.also_built)))}: missing or out of date)"
    if result.out is not None:
        line += f" into {display_path(result.out)}/"
    line += (f": {_count(len(result.written), 'file')} written, "
             f"{_count(len(result.unchanged), 'edition')} up to date")
    if result.obsolete:
        line += f", {_count(len(result.obsolete), 'file')} no edition writes any more removed"
    if result.removed:
        line += f", removed {', '.join(f'{year}/' for year in result.removed)} (now a draft or without a report)"
    return f"{line}, in {seconds:.2f} s"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"
