"""How fast and how small the PDF booklet is, measured in one run.

    .venv/bin/python benchmarks/pdf_booklet.py [YEAR] [--runs N]

Prints, for the report of YEAR (default 2020):

1. aireport's booklet render (fonts cut down to the report's characters, from
   a warm cache) against WeasyPrint rendering the very same HTML with the
   installed fonts, and their ratio (target: at most 0.9);
2. peak memory of each, in a fresh process (target: under 250 MB for aireport);
3. `aireport publish YEAR --only pdf` against
   `pandoc issues/YEAR.md --pdf-engine=weasyprint` (when pandoc is installed):
   time, size, pages and the fonts each embeds.

Times are the best of several interleaved runs, since a busy machine only
ever adds time. The ratio is taken in CPU time (the process's and its
children's), which other programs competing for the processor disturb far
less than wall-clock time; both are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from support.measure import one_report_project

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("year", nargs="?", default="2020")
    parser.add_argument("--runs", type=int, default=7, help="runs of each render (default 7)")
    parser.add_argument("--child", choices=("aireport", "weasyprint", "cold"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.child:
        _child(args.year, args.child)
        return
    print(f"PDF booklet of issues/{args.year}.md")
    _renders(args.year, args.runs)
    _memory(args.year)
    _against_pandoc(args.year, max(3, args.runs // 2))


def _setup(year: str):
    from aireport.config import load_config
    from aireport.editions.booklet.fonts import find_fonts
    from aireport.report.loader import load_report
    from aireport.editions.site import Site
    from aireport.editions.templating import make_environment

    config = load_config(ROOT)
    report = load_report(config.issues_dir / f"{year}.md")
    site = Site(config, make_environment(config.templates_dir), (report,))
    return report, site, find_fonts(config.root, config.font_dir)


def _direct(html: str, site):
    """WeasyPrint on its own: the same HTML, text set in the installed fonts."""
    from weasyprint import HTML

    base_url = (site.config.templates_dir / "pdf").resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url).write_pdf()


def _renders(year: str, runs: int) -> None:
    from aireport.editions.booklet.prepare import booklet_html, render_booklet
    from aireport.usercache import cache_root

    report, site, fonts = _setup(year)
    html = booklet_html(report, site, fonts, embed_fonts=False, cache=cache_root())
    ours, theirs = render_booklet(report, site), _direct(html, site)  # warm up: imports, caches
    ours_pdf = next(iter(ours.values()))
    ours_runs, direct_runs = [], []
    for _ in range(runs):
        ours_runs.append(_measured(lambda: render_booklet(report, site)))
        direct_runs.append(_measured(lambda: _direct(html, site)))
    (ours_wall, ours_cpu), (direct_wall, direct_cpu) = _best(ours_runs), _best(direct_runs)
    print(f"\n1. render, best of {runs} (warm font cache): wall-clock and CPU time")
    print(f"   aireport render_booklet          {ours_wall:6.3f} s {ours_cpu:6.3f} s CPU   "
          f"{len(ours_pdf) / 1024:5.0f} KB  {_pages(ours_pdf)} pages")
    print(f"   WeasyPrint, installed fonts  {direct_wall:6.3f} s {direct_cpu:6.3f} s CPU   "
          f"{len(theirs) / 1024:5.0f} KB  {_pages(theirs)} pages")
    ratio = ours_cpu / direct_cpu
    verdict = "ok" if ratio <= 0.9 else "OVER the target"
    print(f"   ratio aireport / WeasyPrint  {ours_wall / direct_wall:6.2f}   {ratio:6.2f}     "
          f"(target <= 0.90 in CPU time: {verdict})")


def _memory(year: str) -> None:
    print("\n2. one render in a fresh process: peak memory (and time, imports included)")
    for mode, label in (("aireport", "aireport, warm cache"), ("cold", "aireport, empty cache"),
                        ("weasyprint", "WeasyPrint, installed fonts")):
        started = time.perf_counter()
        output = subprocess.run([sys.executable, __file__, year, "--child", mode],
                                capture_output=True, text=True, check=True).stdout
        seconds = time.perf_counter() - started
        peak = int(output.split()[-1]) / 1024
        note = "  (target < 250 MB)" if mode == "aireport" else ""
        print(f"   {label:<28} {peak:6.0f} MB   {seconds:6.2f} s{note}")


def _child(year: str, mode: str) -> None:
    from aireport.usercache import cache_root
    from aireport.editions.booklet.prepare import booklet_html, render_booklet

    if mode == "cold":
        os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="aireport-bench-")
    report, site, fonts = _setup(year)
    if mode == "weasyprint":
        _direct(booklet_html(report, site, fonts, embed_fonts=False, cache=cache_root()), site)
    else:
        render_booklet(report, site)
    if mode == "cold":
        shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    print(_peak_kib())


def _peak_kib() -> int:
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike ru_maxrss,
    which would also count the benchmark process the child was forked from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def _against_pandoc(year: str, runs: int) -> None:
    print(f"\n3. command line, fastest of {runs}: aireport against pandoc --pdf-engine=weasyprint")
    if shutil.which("pandoc") is None:
        print("   pandoc is not installed (Debian/Ubuntu: sudo apt-get install pandoc); skipped")
        return
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="aireport-bench-") as folder:
        out = Path(folder)
        project = one_report_project(ROOT, out / "project", year)  # a publish builds the whole site
        pandoc_cmd = ["pandoc", f"issues/{year}.md", "-o", str(out / "pandoc.pdf"), "--pdf-engine=weasyprint"]
        # A fresh output folder each time, so no run can reuse an earlier one's work.
        ours = min(_timed(lambda run=run: subprocess.run(
            [str(BIN / "aireport"), "publish", year, "--only", "pdf", "--out", str(out / f"dist{run}"), "-q"],
            env=env, check=True, cwd=project)) for run in range(runs))
        theirs = min(_timed(lambda: subprocess.run(pandoc_cmd, env=env, check=True, stderr=subprocess.DEVNULL))
                     for _ in range(runs))
        booklet = out / "dist0" / year / f"aireport-{year}.pdf"
        for label, seconds, path in (("aireport publish --only pdf", ours, booklet),
                                     ("pandoc --pdf-engine=weasyprint", theirs, out / "pandoc.pdf")):
            data = path.read_bytes()
            print(f"   {label:<31} {seconds:6.2f} s   {len(data) / 1024:6.0f} KB   {_pages(data):3d} pages   "
                  f"fonts: {', '.join(_fonts(data))}")


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds of this process and of the children it has waited for (fc-list)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _measured(action) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    action()
    return time.perf_counter() - wall, _cpu() - cpu


def _best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The least wall-clock and the least CPU time: other work on the machine only ever adds to both."""
    return min(wall for wall, _ in runs), min(cpu for _, cpu in runs)


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> list[str]:
    """The embedded fonts' names without their subset tags (ABCDEF+)."""
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return sorted(names)


if __name__ == "__main__":
    main()
