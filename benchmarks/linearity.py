"""Every stage grows linearly with its input, for the shapes of input that once did not.

    .venv/bin/python benchmarks/linearity.py [--runs N] [--shape NAME]

For each shape, generates reports of 1x, 2x, 4x and 8x a base size and times
`aireport check 2020` and `aireport publish 2020 --only web,email --force`, run
in this process (click's runner) in a fresh project. Prints each time and its
ratio to the size before; exits 1 when any doubling costs more than 2.5 times
as much. Times are the CPU time of this process, the least of N runs: on a
shared machine wall time measures the neighbours as much as aireport.
The e-mail's 80 KB budget is lifted, so the e-mail is timed at every size.

Shapes whose size a library cannot handle linearly are capped by the loader
(a line's length, '[' per paragraph, nesting depth); they grow here in the
number of lines up to the cap, and one shape grows a single line far past it,
which must be refused as fast as it is read.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTORS = (1, 2, 4, 8)
LIMIT = 2.5  # the most a doubling may cost
FLOOR = 0.05  # seconds: shorter times are taken as this; below it the clock measures the machine
FRONT = ("---\nyear: 2020\ntitle: 线性\ndate: 2020-12-31\nauthors: [ZOMI]\nsummary: 摘要。\n"
         "sources:\n  - id: deck\n    title: 大事件\n---\n\n## 章\n\n")
SETTINGS = '[tool.aireport]\nsite_url = "https://reports.example.org"\ntitle = "AI 年度回顾"\n'


def _topics(count: int, item: Callable[[int], str]) -> str:
    return "".join(f"### 题 {n}\n\n{item(n)}\n" for n in range(count))


# Each takes the factor and returns the report's body.
SHAPES: dict[str, Callable[[int], str]] = {
    # `- a` and blank lines: the list's end was looked for again after every blank line.
    "blank lines after an item": lambda k: "### 题\n\n- a\n" + "\n" * (40_000 * k) + "  b\n",
    # One long word per item: the year rule's URL pattern started again at every letter.
    "long words": lambda k: _topics(160, lambda n: "- " + "a" * (1_000 * k) + "\n"),
    # `<a:` repeated: the autolink pattern read the rest of the line from every '<', and so does the
    # HTML parser of Python-Markdown, so at most 300 '<' per item.
    "'<a:' repeated": lambda k: _topics(40 * k, lambda n: "- " + "<a:" * 290 + "\n"),
    "'<a:' past the cap": lambda k: _topics(160, lambda n: "- " + "<a:" * (330 * k) + "\n"),
    # Spaces inside a heading: its pattern once backtracked in cubic time over them.
    "spaces in headings": lambda k: "".join(f"### 题{n}" + " " * (1_000 * k) + "x\n\n- 点\n\n" for n in range(80)),
    # A long tag or attribute name: the HTML rules' patterns read it again from each letter.
    "long tag and attribute names": lambda k: _topics(80, lambda n: "- <" + "a" * (500 * k) + " <b "
                                                      + "c" * (500 * k) + '">\n'),
    # A run of backticks: the house style's code-span pattern tried every length of it from every backtick.
    "backtick runs": lambda k: _topics(40, lambda n: "- 字 " + "`" * (1_000 * k) + " 字\n"),
    # Brackets: Python-Markdown's link search is quadratic in them, so at most 300 per item.
    "'[' repeated": lambda k: _topics(10 * k, lambda n: "- " + "[" * 290 + "\n"),
    # Nested inline HTML, as deep as allowed, in ever more items.
    "nested inline HTML": lambda k: _topics(80 * k, lambda n: "- " + "<b>" * 30 + "字" + "</b>" * 30 + "\n"),
    # Quotes as deep as allowed (Python-Markdown parses a quote again at each level), in more paragraphs.
    "quotes 30 deep": lambda k: _topics(16 * k, lambda n: "".join("> " * depth + "字\n" for depth in range(30))),
    # Long lines of text, each just under the cap.
    "lines of 9,000 characters": lambda k: _topics(16 * k, lambda n: "- " + "字词 word " * 1_100 + "\n"),
    # One line far past the cap: refused as fast as it is read.
    "one line of megabytes": lambda k: "### 题\n\n- " + "a" * (600 * 1024 * k) + "\n",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each size (default 3)")
    parser.add_argument("--shape", choices=sorted(SHAPES), help="measure only this shape")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from aireport.editions.email import message

    message.HTML_BUDGET = sys.maxsize
    failures = []
    with tempfile.TemporaryDirectory(prefix="aireport-linearity-") as temp:
        print(f"{'shape':28} {'command':8} " + " ".join(f"{f}x".rjust(14) for f in FACTORS))
        for name, shape in SHAPES.items():
            if args.shape and name != args.shape:
                continue
            for command in ("check", "publish"):
                times = [_fastest(Path(temp), shape(factor), command, args.runs) for factor in FACTORS]
                ratios = [max(later, FLOOR) / max(earlier, FLOOR) for earlier, later in zip(times, times[1:])]
                cells = [f"{times[0]:.3f} s".rjust(14)] + [f"{t:.3f} s ×{r:.1f}".rjust(14)
                                                           for t, r in zip(times[1:], ratios)]
                print(f"{name:28} {command:8} " + " ".join(cells), flush=True)
                if max(ratios) > LIMIT:
                    failures.append(f"{name}, {command}: ×{max(ratios):.1f} for a doubling")
    for failure in failures:
        print(f"not linear: {failure} (at most ×{LIMIT})")
    return 1 if failures else 0


def _fastest(temp: Path, body: str, command: str, runs: int) -> float:
    from click.testing import CliRunner

    from aireport.cli import main as aireport

    project = _project(temp, body)
    arguments = ["check", "2020"] if command == "check" else [
        "publish", "2020", "--only", "web,email", "--force", "-q", "--out", str(temp / "dist")]
    best = float("inf")
    previous = Path.cwd()
    os.chdir(project)
    try:
        for run in range(runs + 1):  # one more, untimed first: imports and template compilation
            gc.collect()  # each run starts without the garbage of the one before
            started = time.process_time()
            result = CliRunner().invoke(aireport, arguments, catch_exceptions=False)
            elapsed = time.process_time() - started
            if "Traceback" in result.output:
                raise SystemExit(f"traceback from {' '.join(arguments)}:\n{result.output}")
            if run:
                best = min(best, elapsed)
    finally:
        os.chdir(previous)
    return best


def _project(temp: Path, body: str) -> Path:
    project = temp / "project"
    if not (project / "templates").is_dir():
        shutil.copytree(ROOT / "templates", project / "templates")
        (project / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
        (project / "issues").mkdir()
    (project / "issues" / "2020.md").write_text(FRONT + body, encoding="utf-8")
    return project


if __name__ == "__main__":
    sys.exit(main())
