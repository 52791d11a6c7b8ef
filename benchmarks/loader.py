"""How long loading and checking the real reports takes, warm, in this process.

Prints min and median over repetitions, and the ratio of a full check to a
plain load, both measured in this run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from aireport.lint import check_file
from aireport.loader import load_report

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
    print(f"{'report':<10} {'load min':>9} {'load med':>9} {'check med':>10} {'check/load':>11}")
    for path in sorted((ROOT / "issues").glob("*.md")):
        load = measure(load_report, path)
        check = measure(check_file, path)
        print(f"{path.name:<10} {min(load) * 1000:>7.1f}ms {statistics.median(load) * 1000:>7.1f}ms "
              f"{statistics.median(check) * 1000:>8.1f}ms {statistics.median(check) / statistics.median(load):>10.2f}x")


if __name__ == "__main__":
    main()
