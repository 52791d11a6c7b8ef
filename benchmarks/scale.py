"""How publishing grows with the size of a report, measured in one run.

    .venv/bin/python benchmarks/scale.py [--runs N]

Publishes generated reports (the generator of tests/test_robustness.py) of 1x,
4x and 16x a base of 6 chapters x 5 topics, every edition, each run in a fresh
process into a fresh output folder. Prints, per size, the wall time and the
process's peak memory with their ratios to 1x, the time of each edition, and
the cost of one more topic between sizes: a constant cost per topic is linear
growth (the ratios to 1x are lower, as start-up and the fixed pages are paid
once).

The e-mail's 80 KB budget is lifted in the measured process, so that the
e-mail edition is timed at every size instead of refusing the larger ones.
Times are the fastest of N runs (a busy machine only ever adds time), after
one unmeasured run of each size that fills the font cache.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_CHAPTERS, TOPICS = 6, 5
FACTORS = (1, 4, 16)
EDITIONS = ("pdf", "web", "email", "feed")
WRITTEN = re.compile(r"^\s+(\w+)\s+\S+\s+\d+ K?B\s+([\d.]+) s$")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    editions: dict[str, float]  # edition -> seconds of rendering


@dataclass(frozen=True)
class Size:
    factor: int
    chapters: int
    source_kb: float
    output_kb: float
    pages: int
    run: Run  # over the runs: the shortest time, the lowest peak and each edition's shortest render

    @property
    def topics(self) -> int:
        return self.chapters * TOPICS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each size (default 3)")
    parser.add_argument("--child", nargs=2, metavar=("PROJECT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="aireport-scale-") as temp:
        sizes = [_measure(Path(temp), factor, args.runs) for factor in FACTORS]
    _print_table(sizes)


def _measure(temp: Path, factor: int, runs: int) -> Size:
    sys.path.insert(0, str(ROOT / "tests"))  # the report generator of the scale tests
    from test_robustness import report_text, write_project

    chapters = BASE_CHAPTERS * factor
    project = write_project(temp / f"{factor}x", {2020: report_text(2020, chapters, TOPICS)})
    _run(project, temp / f"{factor}x-warm-up")  # cuts the fonts down to this size's characters, once
    results = [_run(project, temp / f"{factor}x-out-{number}") for number in range(runs)]
    out = temp / f"{factor}x-out-0"
    return Size(
        factor=factor,
        chapters=chapters,
        source_kb=(project / "issues" / "2020.md").stat().st_size / 1024,
        output_kb=sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1024,
        pages=_pages(out / "2020" / "aireport-2020.pdf"),
        run=Run(min(r.seconds for r in results), min(r.peak_mb for r in results),
                {e: min(r.editions.get(e, 0.0) for r in results) for e in EDITIONS}),
    )


def _run(project: Path, out: Path) -> Run:
    """One publish in a fresh process; its own peak memory comes from wait4, not from its children's sum."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, __file__, "--child", str(project), str(out)],
                                   cwd=project, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        lines = stderr.read().decode().splitlines()
    if process.returncode != 0:
        sys.exit(f"publish of {project.name} failed:\n" + "\n".join(lines))
    # "  pdf    OUT/2020/aireport-2020.pdf   284 KB  1.40 s": a file carries the time of the render that
    # made it; the web edition's year page takes longer than its archive page, so the longest is the year's.
    editions: dict[str, float] = {}
    for match in filter(None, map(WRITTEN.match, lines)):
        editions[match[1]] = max(editions.get(match[1], 0.0), float(match[2]))
    return Run(seconds, usage.ru_maxrss / 1024, editions)


def _child(project: Path, out: Path) -> None:
    """`aireport publish 2020 --out OUT`, with the e-mail budget lifted."""
    from aireport.cli import main as aireport
    from aireport.editions.email import message as email_edition

    email_edition.HTML_BUDGET = sys.maxsize
    aireport(["publish", "2020", "--out", str(out)], prog_name="aireport")


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def _print_table(sizes: list[Size]) -> None:
    base = sizes[0]
    print(f"Publishing a generated report, every edition: {BASE_CHAPTERS} chapters x {TOPICS} topics "
          "times 1, 4 and 16")
    print(f"{'size':>4} {'chapters':>8} {'topics':>6} {'source':>8} {'output':>8} {'pages':>5} "
          f"{'time':>7} {'x1':>5} {'peak mem':>9} {'x1':>5}   render: " + " ".join(f"{e:>6}" for e in EDITIONS))
    for size in sizes:
        run = size.run
        print(f"{size.factor:>3}x {size.chapters:>8} {size.topics:>6} {size.source_kb:>6.0f}KB "
              f"{size.output_kb:>6.0f}KB {size.pages:>5} {run.seconds:>6.2f}s "
              f"{run.seconds / base.run.seconds:>5.2f} {run.peak_mb:>7.0f}MB "
              f"{run.peak_mb / base.run.peak_mb:>5.2f}           "
              + " ".join(f"{run.editions[e]:>5.2f}s" for e in EDITIONS))
    print("cost of one more topic (a constant cost per topic is linear growth):")
    for smaller, larger in zip(sizes, sizes[1:], strict=False):
        added = larger.topics - smaller.topics
        print(f"  {smaller.factor:>2}x -> {larger.factor:>2}x: "
              f"{(larger.run.seconds - smaller.run.seconds) / added * 1000:6.1f} ms, "
              f"{(larger.run.peak_mb - smaller.run.peak_mb) / added * 1024:6.0f} KB of memory, "
              f"{(larger.pages - smaller.pages) / added:4.2f} pages")


if __name__ == "__main__":
    main()
