"""aireport against the tools a user would otherwise script, measured in one run.

    .venv/bin/python benchmarks/compare.py [YEAR] [--runs N]

Prints the machine, then one table, every figure measured in this run:

- `aireport publish YEAR` (every edition, a fresh process and output folder, in
  a copy of the project holding that one report, since a publish builds the
  whole site and the pipeline makes one report) against the do-it-yourself pipeline for the same outputs (support/diy.py:
  pandoc --pdf-engine=weasyprint, Pelican, premailer), and against pandoc's PDF
  alone; then the same publish with aireport's font cache empty, as on a first
  run;
- aireport's booklet render against WeasyPrint alone laying out the very same
  booklet HTML with the installed fonts (both warm, in this process);
- peak memory of `publish YEAR --only pdf`, beside pandoc's PDF step;
- publishing again with nothing changed, and `publish --all` with -j2 against -j1.

Commands run once untimed and then N times each, the sides taking turns so that
a busy moment slows both; every run writes into a fresh folder. Ratios are
aireport over the other side, from the fastest runs and from the medians; the
verdict goes by the medians. Rows whose tools are missing say so and are skipped.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from support import diy
from support.measure import one_report_project, Failed, Measurement, column_sums, expect_files, interleave, run, timed

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Row:
    label: str
    ours: list[float] | None
    theirs: list[float] | None
    unit: str = "s"
    target: str = ""
    passed: bool | None = None
    note: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("year", nargs="?", default="2020")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--diy-email", nargs=2, metavar=("SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.diy_email:
        diy.write_email(Path(args.diy_email[0]), Path(args.diy_email[1]))
        return
    os.chdir(ROOT)
    started = time.perf_counter()
    print(f"aireport against the do-it-yourself tools: issues/{args.year}.md, "
          f"{args.runs} timed runs of each (after one untimed)")
    print(machine())
    load_before = _load_average()
    with tempfile.TemporaryDirectory(prefix="aireport-compare-") as folder:
        rows = Bench(args.year, args.runs, Path(folder)).rows()
    print()
    print_table(rows)
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f} s; load average (1 min) before and "
          f"after: {load_before} and {_load_average()} (other work on the machine slows the figures)")


class Bench:
    """The measurements; every command writes into a fresh folder under `work`."""

    def __init__(self, year: str, runs: int, work: Path) -> None:
        self.year, self.runs, self.work = year, runs, work
        self.env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.folders = 0
        self.publish_help = _output([str(BIN / "aireport"), "publish", "--help"], self.env)
        self.missing = diy.missing_tools()
        self.pipeline = diy.Pipeline(ROOT / "issues" / f"{year}.md", work / "diy", self.env, ROOT / "templates")
        self.project = one_report_project(ROOT, work / "project", year)

    def rows(self) -> list[Row]:
        return [*self.against_pipeline(), self.booklet(), self.memory(), self.noop(), self.parallel()]

    def fresh(self, name: str) -> Path:
        self.folders += 1
        return self.work / f"{name}-{self.folders}"

    def publish(self, *arguments: str, out: Path | None = None, env: dict | None = None) -> Measurement:
        """One `aireport publish` in a fresh process; into a fresh folder unless `out` is given."""
        cold = out is None
        out = self.fresh("dist") if cold else out
        force = ["--force"] if cold and "--force" in self.publish_help else []
        command = [str(BIN / "aireport"), "publish", *arguments, *force, "--out", str(out), "-q"]
        measured = run(command, env or self.env, ROOT if "--all" in arguments else self.project)
        if cold and arguments == (self.year,):
            expect_files(out, [f"{self.year}/index.html", f"{self.year}/aireport-{self.year}.pdf",
                               f"{self.year}/email.eml", "atom.xml", "rss.xml"], "aireport")
        return measured

    def publish_empty_cache(self) -> Measurement:
        """A first publish on a machine: aireport's cache (cut-down fonts, QR codes) is empty."""
        cache = self.fresh("cache")
        try:
            return self.publish(self.year, env={**self.env, "XDG_CACHE_HOME": str(cache)})
        finally:
            shutil.rmtree(cache, ignore_errors=True)

    def against_pipeline(self) -> list[Row]:
        steps = self.pipeline.steps(self.missing)
        samples = interleave({"aireport": lambda: self.publish(self.year),
                              "empty cache": self.publish_empty_cache, **steps}, self.runs)
        ours = samples["aireport"].seconds
        label = f"publish {self.year} vs DIY pipeline"
        if len(steps) < len(diy.STEPS):
            rows = [Row(label, ours, None, note="skipped: " + diy.install_hint(self.missing))]
        else:
            total = column_sums(samples[name].seconds for name in diy.STEPS)
            rows = [ratio_row(label, ours, total, 0.8),
                    ratio_row("  same, aireport's font cache empty", samples["empty cache"].seconds, total)]
        rows += [Row(f"  DIY step: {name}", None, samples[name].seconds) for name in steps]
        label = f"publish {self.year} vs pandoc PDF alone"
        if diy.PDF_STEP in steps:
            rows.append(ratio_row(label, ours, samples[diy.PDF_STEP].seconds, 1.3))
        else:
            rows.append(Row(label, ours, None, note="skipped: " + diy.install_hint(["pandoc"])))
        return rows

    def booklet(self) -> Row:
        """aireport's render_booklet against WeasyPrint on the same HTML, in this process, warm."""
        label = "booklet render vs WeasyPrint, same HTML"
        try:
            ours, theirs = _booklet_renders(self.year)
        except (ImportError, AttributeError, TypeError) as error:
            # The comparison needs aireport.editions.booklet.prepare.booklet_html(report, site, fonts,
            # embed_fonts, cache): the booklet's HTML before WeasyPrint lays it out.
            return Row(label, None, None, note=f"skipped: no booklet HTML to compare with ({error})")
        samples = interleave({"ours": lambda: timed(ours), "theirs": lambda: timed(theirs)}, self.runs)
        return ratio_row(label, samples["ours"].seconds, samples["theirs"].seconds, 0.9)

    def memory(self) -> Row:
        """Peak memory of the booklet build in a fresh process, pandoc's WeasyPrint included."""
        sides = {"ours": lambda: self.publish(self.year, "--only", "pdf")}
        if diy.PDF_STEP in self.pipeline.steps(self.missing):
            sides["theirs"] = self.pipeline.pdf
        samples = interleave(sides, max(3, self.runs // 2))
        ours = samples["ours"].megabytes
        theirs = samples["theirs"].megabytes if "theirs" in samples else None
        return Row(f"peak memory: publish {self.year} --only pdf vs pandoc", ours, theirs, unit="MB",
                   target="< 250 MB", passed=statistics.median(ours) < 250)

    def noop(self) -> Row:
        """Publishing again with nothing changed, against a cold publish."""
        out = self.fresh("dist")
        self.publish(self.year, out=out)
        booklet = out / f"{self.year}/aireport-{self.year}.pdf"
        written = booklet.stat().st_mtime_ns
        samples = interleave({"again": lambda: self.publish(self.year, out=out),
                              "cold": lambda: self.publish(self.year)}, self.runs)
        again = samples["again"].seconds
        rewritten = booklet.stat().st_mtime_ns != written
        return Row(f"no-op publish {self.year} vs cold publish", again, samples["cold"].seconds,
                   target="< 0.50 s", passed=statistics.median(again) < 0.5 and not rewritten,
                   note="the unchanged booklet was written again" if rewritten else "")

    def parallel(self) -> Row:
        label = "publish --all: -j2 vs -j1"
        if not re.search(r"(^|[\s,])-j\b", self.publish_help):
            return Row(label, None, None, note="skipped: `aireport publish` has no -j option yet")
        samples = interleave({"j2": lambda: self.publish("--all", "-j2"),
                              "j1": lambda: self.publish("--all", "-j1")}, self.runs)
        return ratio_row(label, samples["j2"].seconds, samples["j1"].seconds, 0.65)


def _booklet_renders(year: str) -> tuple[Callable[[], object], Callable[[], object]]:
    """aireport's booklet render, and WeasyPrint alone on the same HTML set in the installed fonts."""
    from weasyprint import HTML

    from aireport.config import load_config
    from aireport.editions.booklet.fonts import find_fonts
    from aireport.report.loader import load_report
    from aireport.editions.booklet import prepare as pdf
    from aireport.editions.site import Site
    from aireport.editions.templating import make_environment

    config = load_config(ROOT)
    report = load_report(config.issues_dir / f"{year}.md")
    site = Site(config, make_environment(config.templates_dir), (report,))
    fonts = find_fonts(config.root, config.font_dir)
    html = pdf.booklet_html(report, site, fonts, embed_fonts=False, cache=pdf.cache_root())
    base_url = (config.templates_dir / "pdf").resolve().as_uri() + "/"
    return lambda: pdf.render_booklet(report, site), lambda: HTML(string=html, base_url=base_url).write_pdf()


def ratio_row(label: str, ours: list[float], theirs: list[float], limit: float | None = None) -> Row:
    if limit is None:
        return Row(label, ours, theirs)
    passed = statistics.median(ours) <= limit * statistics.median(theirs)
    return Row(label, ours, theirs, target=f"<= {limit:.2f}x", passed=passed)


def _output(command: list[str], env: dict[str, str]) -> str:
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def machine() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    cpu = _first_match(Path("/proc/cpuinfo"), r"model name\s*:\s*(.+)") or "unknown CPU"
    memory = _first_match(Path("/proc/meminfo"), r"MemTotal:\s*(\d+) kB")
    system = _first_match(Path("/etc/os-release"), r'PRETTY_NAME="?([^"\n]+)') or sys.platform
    pandoc = _output(["pandoc", "--version"], os.environ).split("\n")[0] if shutil.which("pandoc") else "no pandoc"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"machine   {cpu}, {cores} cores, {int(memory or 0) / 1024 ** 2:.0f} GiB memory, {system}",
        f"software  Python {sys.version.split()[0]}, WeasyPrint {package('weasyprint')} "
        f"(HarfBuzz subsetting: {_harfbuzz_subset()}), {pandoc}, Pelican {package('pelican')}, "
        f"premailer {package('premailer')}, aireport {package('aireport')}",
    ]
    return "\n".join(lines)


def _load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def _harfbuzz_subset() -> str:
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except ImportError:
        return "unknown"
    return "yes" if harfbuzz_subset is not None else "NO, expect slow PDFs"


def _first_match(path: Path, pattern: str) -> str | None:
    try:
        match = re.search(pattern, path.read_text())
    except OSError:
        return None
    return match.group(1).strip() if match else None


def print_table(rows: list[Row]) -> None:
    header = (f"{'comparison':<46} {'aireport min / median':>22}  {'other min / median':>22}  "
              f"{'ratio min / med':>15}  {'target':<9} verdict")
    print(header)
    print("-" * len(header))
    for row in rows:
        verdict = "" if row.passed is None else ("ok" if row.passed else "MISSED")
        line = (f"{row.label:<46} {_cell(row.ours, row.unit):>22}  {_cell(row.theirs, row.unit):>22}  "
                f"{_ratios(row):>15}  {row.target:<9} {verdict}")
        print(line.rstrip())
        if row.note:
            print(f"{'':<4}{row.note}")
    print("ratio = aireport / other; the verdict goes by the medians")


def _ratios(row: Row) -> str:
    if not (row.ours and row.theirs):
        return ""
    fastest = min(row.ours) / min(row.theirs)
    return f"{fastest:.2f} / {statistics.median(row.ours) / statistics.median(row.theirs):.2f}"


def _cell(values: list[float] | None, unit: str) -> str:
    if not values:
        return "-"
    if unit == "MB":
        return f"{min(values):.0f} / {statistics.median(values):.0f} MB"
    return f"{min(values):.2f} / {statistics.median(values):.2f} s"


if __name__ == "__main__":
    try:
        main()
    except Failed as failure:
        sys.exit(f"compare.py: {failure}")
