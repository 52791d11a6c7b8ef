"""How fast `aireport send` delivers, and whether its memory grows with the list, in one run.

    .venv/bin/python benchmarks/send.py [--sizes 5000 20000] [--connections 4] [--small] [--stock 1000]

Publishes the real 2020 report's e-mail edition (the whole report, about 100 KB
as a message) into a temporary project, starts an aiosmtpd sink on 127.0.0.1
in a process of its own (it only counts what it receives), and sends to lists
of each size with `--rate 0`, each in a fresh process with a fresh ledger.
Prints messages per second and the sending process's peak memory (RSS) for
each size, and the ratios between the largest and the smallest size: a
memory ratio near 1 means the list is streamed, not held.

aiosmtpd as it comes reads DATA one line per await: for this message, 1,400
base64 lines, that is about 10 ms of CPU on a small machine, several times
what the sender spends, so it caps any sender near 100 messages a second. The
sizes are therefore sent to aiosmtpd with DATA read in one call (`BulkData`
below; the rest of the server is aiosmtpd's), which measures the sender; a
last send of `--stock` recipients to the stock server shows that server's own
limit, as a ratio in the same run. The CPU time of each side per message is
printed too; the sender's own ceiling on one core is 1 / its CPU seconds per
message. `--small` sends the test fixture's report instead (a 22 KB message).
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
import sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP

class Counter:
    count = size = 0
    async def handle_DATA(self, server, session, envelope):
        Counter.count += 1
        Counter.size += len(envelope.content)
        return "250 OK"

class BulkData(SMTP):
    # aiosmtpd's DATA reads a line per await, several microseconds a line; this one reads up to
    # the end mark in one call and undoes dot-stuffing, for a sink that costs less than the sender.
    line_length_limit = 1 << 22  # also the stream reader's limit, so a whole message fits

    async def smtp_DATA(self, arg):
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if arg or not self.envelope.rcpt_tos:
            await self.push("501 Syntax: DATA" if arg else "503 Error: need RCPT command")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        data = await self._reader.readuntil(b"\\r\\n.\\r\\n")
        content = data[:-3].replace(b"\\r\\n..", b"\\r\\n.")
        self.envelope.content = self.envelope.original_content = content[1:] if content[:2] == b".." else content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

class Bulk(Controller):
    def factory(self):
        return BulkData(self.handler, **self.SMTP_kwargs)

kind = Bulk if sys.argv[2] == "bulk" else Controller
controller = kind(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
for line in sys.stdin:  # each line asks for the counts and CPU time; end of input stops the sink
    print(Counter.count, Counter.size, time.process_time(), flush=True)
controller.stop()
"""

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--small", action="store_true", help="send the fixture's 22 KB message instead")
    parser.add_argument("--stock", type=int, default=1000, metavar="N",
                        help="recipients sent to the stock aiosmtpd server for comparison (0: none)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aireport-send-bench-") as folder:
        project = _project(Path(folder), ROOT / "tests" / "data" / "fixture" if arguments.small else ROOT)
        size_kb = (project / "dist" / "2020" / "email.eml").stat().st_size / 1024
        with Sink("bulk") as sink:
            rows = [("bulk", _measure(project, sink, size, arguments.connections)) for size in arguments.sizes]
        if arguments.stock:
            with Sink("stock") as sink:
                rows.append(("stock", _measure(project, sink, arguments.stock, arguments.connections)))
    print(f"{'recipients':>10}  {'sink':>5}  {'seconds':>8}  {'msgs/s':>7}  {'peak RSS':>9}  {'received':>8}  "
          f"{'sender CPU/msg':>14}  {'sink CPU/msg':>12}  sender ceiling")
    for kind, (size, seconds, peak_mb, received, sender_cpu, sink_cpu) in rows:
        print(f"{size:>10}  {kind:>5}  {seconds:>8.2f}  {size / seconds:>7.0f}  {peak_mb:>6.1f} MB  {received:>8}  "
              f"{sender_cpu / size * 1000:>11.2f} ms  {sink_cpu / size * 1000:>9.2f} ms  "
              f"{size / sender_cpu:>6.0f} msgs/s per core")
    (small, s_seconds, s_peak, *_), (large, l_seconds, l_peak, _, _, l_sink) = rows[0][1], rows[len(arguments.sizes) - 1][1]
    print(f"message {size_kb:.0f} KB; {large} vs {small} recipients: {large / small:.0f}x the list, "
          f"{(large / l_seconds) / (small / s_seconds):.2f}x the rate, {l_peak / s_peak:.2f}x the peak memory "
          f"({os.cpu_count()} CPUs, {arguments.connections} connections)")
    if arguments.stock:
        size, seconds, *_, sink_cpu = rows[-1][1]
        print(f"stock aiosmtpd vs the bulk-DATA sink: {(size / seconds) / (large / l_seconds):.2f}x the rate, "
              f"{(sink_cpu / size) / (l_sink / large):.1f}x the sink's CPU per message")


class Sink:
    """An aiosmtpd server in a process of its own that counts what it accepts."""

    def __init__(self, kind: str):
        self.port = _free_port()
        self.process = subprocess.Popen([sys.executable, "-c", SINK, str(self.port), kind], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        self.process.wait()

    def count(self) -> tuple[int, int, float]:
        """Messages and bytes the sink has received, and the CPU seconds it has used."""
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        count, size, cpu = self.process.stdout.readline().split()
        return int(count), int(size), float(cpu)


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


def _measure(project: Path, sink: Sink, size: int, connections: int) -> tuple[int, float, float, int, float, float]:
    listing = project / f"list-{size}.csv"
    with open(listing, "w", encoding="utf-8") as handle:
        handle.write("email,name\n")
        for n in range(size):
            handle.write(f"reader{n}@example.org,读者 {n}\n")
    (project / ".aireport").mkdir(exist_ok=True)
    for old in (project / ".aireport").glob("sends.sqlite3*"):
        old.unlink()
    before, bytes_before, sink_before = sink.count()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "aireport", "send", "2020", "--list", str(listing),
                                "--smtp", f"127.0.0.1:{sink.port}", "--rate", "0", "--connections", str(connections)],
                               cwd=project, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode()
    if process.returncode != 0:
        sys.exit(f"send of {size} failed: {error}")
    print(error.strip().splitlines()[-1], file=sys.stderr)
    after, bytes_after, sink_after = sink.count()
    published = (project / "dist" / "2020" / "email.eml").stat().st_size
    if after - before != size or abs((bytes_after - bytes_before) / size - published) > published / 100:
        sys.exit(f"the sink received {after - before} messages of {(bytes_after - bytes_before) / max(after - before, 1):.0f} "
                 f"bytes on average; expected {size} of about {published}")
    return (size, seconds, usage.ru_maxrss / 1024, after - before, usage.ru_utime + usage.ru_stime,
            sink_after - sink_before)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
