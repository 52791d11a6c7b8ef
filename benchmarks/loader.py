"""How long loading and checking the real reports takes, warm, in this process.

Prints min and median over repetitions of reading the structure alone and of
a full load with every check, and their ratio, all measured in this run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from aireport.report.loader import inspect_report, parse_report
from aireport.report.problems import Problems

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


def main() -> None:
    print(f"{'report':<10} {'parse min':>9} {'parse med':>9} {'full med':>10} {'full/parse':>11}")
    for path in sorted((ROOT / "issues").glob("*.md")):
        load = measure(lambda p: parse_report(p, Problems()), path)
        check = measure(inspect_report, path)
        print(f"{path.name:<10} {min(load) * 1000:>7.1f}ms {statistics.median(load) * 1000:>7.1f}ms "
              f"{statistics.median(check) * 1000:>8.1f}ms {statistics.median(check) / statistics.median(load):>10.2f}x")


if __name__ == "__main__":
    main()
