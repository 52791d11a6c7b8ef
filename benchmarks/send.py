"""How fast `aireport send` delivers, and whether its memory grows with the list, in one run.

    .venv/bin/python benchmarks/send.py [--sizes 5000 20000] [--connections 4] [--small]

Publishes the real 2020 report's e-mail edition (the whole report, about 90 KB
as a message) into a temporary project, starts an aiosmtpd sink on 127.0.0.1
in a process of its own (it only counts what it receives), and sends to lists
of each size with `--rate 0`, each in a fresh process with a fresh ledger.
Prints messages per second and the sending process's peak memory (RSS) for
each size, and the ratios between the largest and the smallest size: a
memory ratio near 1 means the list is streamed, not held.

The sink is aiosmtpd, which reads a message line by line in Python: for a
90 KB message it spends more CPU per message than the sender does, so on a
small machine it sets the end-to-end rate. The CPU time of each side per
message is printed too; the sender's own ceiling on one core is 1 / its CPU
seconds per message. `--small` sends the test fixture's report instead (a
22 KB message), which costs the sink a quarter as much.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SINK = """
import asyncio, sys, threading, time
from aiosmtpd.controller import Controller

class Sink:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
for line in sys.stdin:  # each line asks for the count and CPU time; end of input stops the sink
    print(Sink.count, time.process_time(), flush=True)
controller.stop()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--small", action="store_true", help="send the fixture's 22 KB message instead")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aireport-send-bench-") as folder:
        project = _project(Path(folder), ROOT / "tests" / "data" / "fixture" if arguments.small else ROOT)
        port = _free_port()
        sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert sink.stdout.readline().strip() == "ready"
        size_kb = (project / "dist" / "2020" / "email.eml").stat().st_size / 1024
        try:
            results = [_measure(project, port, size, arguments.connections, sink) for size in arguments.sizes]
        finally:
            sink.stdin.close()
            sink.wait()
    print(f"{'recipients':>10}  {'seconds':>8}  {'msgs/s':>7}  {'peak RSS':>9}  {'received':>8}  "
          f"{'sender CPU/msg':>14}  {'sink CPU/msg':>12}  sender ceiling")
    for size, seconds, peak_mb, received, sender_cpu, sink_cpu in results:
        print(f"{size:>10}  {seconds:>8.2f}  {size / seconds:>7.0f}  {peak_mb:>6.1f} MB  {received:>8}  "
              f"{sender_cpu / size * 1000:>11.2f} ms  {sink_cpu / size * 1000:>9.2f} ms  "
              f"{size / sender_cpu:>6.0f} msgs/s per core")
    (small, s_seconds, s_peak, *_), (large, l_seconds, l_peak, *_) = results[0], results[-1]
    print(f"message {size_kb:.0f} KB; {large} vs {small} recipients: {large / small:.0f}x the list, "
          f"{(large / l_seconds) / (small / s_seconds):.2f}x the rate, {l_peak / s_peak:.2f}x the peak memory "
          f"({os.cpu_count()} CPUs, {arguments.connections} connections)")


def _project(folder: Path, source: Path) -> Path:
    project = folder / "project"
    project.mkdir()
    shutil.copytree(source / "issues", project / "issues")
    shutil.copytree(ROOT / "templates", project / "templates")
    shutil.copyfile(source / "pyproject.toml", project / "pyproject.toml")
    subprocess.run([sys.executable, "-m", "aireport", "publish", "2020", "--only", "email", "-q"], cwd=project,
                   env=_env(), check=True)
    return project


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"), AIREPORT_UNSUBSCRIBE_SECRET="benchmark-secret-0123456789",
                SOURCE_DATE_EPOCH="1609372800")


def _measure(project: Path, port: int, size: int, connections: int, sink) -> tuple[int, float, float, int]:
    listing = project / f"list-{size}.csv"
    with open(listing, "w", encoding="utf-8") as handle:
        handle.write("email,name\n")
        for n in range(size):
            handle.write(f"reader{n}@example.org,读者 {n}\n")
    (project / ".aireport").mkdir(exist_ok=True)
    for old in (project / ".aireport").glob("sends.sqlite3*"):
        old.unlink()
    before, sink_before = _count(sink)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "aireport", "send", "2020", "--list", str(listing),
                                "--smtp", f"127.0.0.1:{port}", "--rate", "0", "--connections", str(connections)],
                               cwd=project, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode()
    if process.returncode != 0:
        sys.exit(f"send of {size} failed: {error}")
    print(error.strip().splitlines()[-1], file=sys.stderr)
    after, sink_after = _count(sink)
    return (size, seconds, usage.ru_maxrss / 1024, after - before, usage.ru_utime + usage.ru_stime,
            sink_after - sink_before)


def _count(sink) -> tuple[int, float]:
    """Messages the sink has received, and the CPU seconds it has used."""
    sink.stdin.write("\n")
    sink.stdin.flush()
    count, cpu = sink.stdout.readline().split()
    return int(count), float(cpu)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
