"""How long loading and checking the real reports takes, warm, in this process.

Prints min and median over repetitions of reading the structure alone, of a
full load with every rule a build applies, and of what `aireport check` does
(that, plus placeholders, dates against events and the house style), and their
ratios, all measured in this run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from aireport.report.editorial import editorial_problems
from aireport.report.loader import inspect_report, parse_report
from aireport.report.placeholders import template_placeholders
from aireport.report.problems import Problems
from aireport.report.source import read_report_text

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 30


def measure(function, path: Path) -> list[float]:
    function(path)  # warm: imports and caches
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - started)
    return times


def check(path: Path) -> None:
    """What `aireport check` does for one report."""
    report, _ = inspect_report(path)
    editorial_problems(report, read_report_text(path), template_placeholders(ROOT / "templates"))


def main() -> None:
    print(f"{'report':<10} {'parse min':>9} {'parse med':>9} {'full med':>10} {'full/parse':>11} "
          f"{'check med':>10} {'check/full':>11}")
    for path in sorted((ROOT / "issues").glob("*.md")):
        load = measure(lambda p: parse_report(p, Problems()), path)
        full = statistics.median(measure(inspect_report, path))
        checked = statistics.median(measure(check, path))
        print(f"{path.name:<10} {min(load) * 1000:>7.1f}ms {statistics.median(load) * 1000:>7.1f}ms "
              f"{full * 1000:>8.1f}ms {full / statistics.median(load):>10.2f}x "
              f"{checked * 1000:>8.1f}ms {checked / full:>10.2f}x")


if __name__ == "__main__":
    main()
