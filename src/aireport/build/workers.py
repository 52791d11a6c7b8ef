"""Worker processes for the slow editions (the booklet), started before anything else of a publish.

Importing WeasyPrint takes about a quarter of a second and laying a booklet out
more than half a second, while every other edition takes a fraction of that. A
worker forked first spends its import while the main process imports the rest,
loads the reports, renders the light editions and prepares the booklets, which
it then hands over.

Each worker has a pipe of its own and runs one job at a time, so a worker that
dies (the kernel's out-of-memory killer, a stray `kill`) fails exactly the job
it held, with the signal that stopped it; a new worker takes its place and the
other jobs go on. Nothing waits without also watching the workers' lives.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aireport.errors import AiReportError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess


@dataclass(frozen=True)
class Job:
    label: str  # what failures are reported under, such as "pdf 2020"
    target: str  # "module:function" run in the worker: f(payload) -> {path: bytes}
    payload: Any


@dataclass(frozen=True)
class Outcome:
    job: Job
    files: dict[str, bytes] | None  # None when it failed
    error: str | None
    seconds: float


@dataclass
class _Worker:
    process: BaseProcess
    pipe: Connection
    job: Job | None = None


@dataclass
class Workers:
    """A fixed number of worker processes and the jobs waiting for them."""

    count: int
    warm_ups: tuple[str, ...]
    _workers: list[_Worker] = field(default_factory=list)
    _waiting: deque[Job] = field(default_factory=deque)

    def start(self) -> None:
        self._workers = [self._fork() for _ in range(self.count)]

    def submit(self, job: Job) -> None:
        self._waiting.append(job)
        self._hand_out()

    def outcomes(self) -> Iterator[Outcome]:
        """Each submitted job's outcome as it finishes; returns once none is left."""
        from multiprocessing.connection import wait

        while self._waiting or any(w.job for w in self._workers):
            busy = [w for w in self._workers if w.job is not None]
            ready = set(wait([w.pipe for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                if worker.pipe in ready or worker.process.sentinel in ready:
                    yield self._collect(worker)
            self._hand_out()

    def close(self) -> None:
        for worker in self._workers:
            with suppress(OSError):
                worker.pipe.close()
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join()
        self._workers = []

    def _fork(self) -> _Worker:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.warm_ups), daemon=True)
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def _hand_out(self) -> None:
        for worker in self._workers:
            if worker.job is None and self._waiting:
                worker.job = self._waiting.popleft()
                _send_in_background(worker.pipe, (worker.job.target, worker.job.payload))

    def _collect(self, worker: _Worker) -> Outcome:
        job, worker.job = worker.job, None
        try:
            files, error, seconds = worker.pipe.recv()
        except (EOFError, OSError):
            worker.process.join()
            self._replace(worker)
            return Outcome(job, None, f"{job.label}: {death(worker.process.exitcode)}", 0.0)
        return Outcome(job, files, error, seconds)

    def _replace(self, dead: _Worker) -> None:
        with suppress(OSError):
            dead.pipe.close()
        self._workers[self._workers.index(dead)] = self._fork()


def _send_in_background(pipe: Connection, message: tuple) -> None:
    """A job (a booklet's HTML and fonts: megabytes) fills the pipe until the worker reads it, which it
    does only once it has warmed up; sending from a thread lets the main process prepare the next one
    meanwhile. A worker that died meanwhile is noticed by `outcomes`, which watches its life."""
    import threading

    def send() -> None:
        with suppress(OSError):
            pipe.send(message)

    threading.Thread(target=send, daemon=True).start()


def death(exit_code: int | None) -> str:
    """Why a worker ended, in the words a user can act on."""
    if exit_code is not None and exit_code < 0:
        number = -exit_code
        name = signal.Signals(number).name if number in signal.valid_signals() else "unknown"
        cause = ", possibly out of memory" if number == signal.SIGKILL else ""
        return f"the worker was killed (signal {number}, {name}){cause}; publish again"
    return f"the worker exited unexpectedly (status {exit_code}); publish again"


def worker_count(jobs: int, reports: int, wanted: bool) -> int:
    """One worker per report up to -j; none with -j1 (everything renders in the one process)
    or when no slow edition is asked for."""
    return 0 if not wanted or jobs <= 1 else max(0, min(jobs, reports, os.cpu_count() or 1))


@contextmanager
def started(count: int, warm_ups: tuple[str, ...]) -> Iterator[Workers | None]:
    if count <= 0:
        yield None
        return
    workers = Workers(count, warm_ups)
    try:
        workers.start()
        yield workers
    finally:
        workers.close()


def _serve(pipe: Connection, warm_ups: tuple[str, ...]) -> None:
    """A worker's life: warm up, then run jobs until the pipe closes."""
    from aireport.editions import resolve

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which stops the workers
    # Where processes outnumber cores, the main process goes first: the workers run what it
    # prepares, and a publish with nothing for them need not wait for them.
    with suppress(OSError):
        os.nice(5)
    for warm_up in warm_ups:
        resolve(warm_up)()
    while True:
        try:
            target, payload = pipe.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        started_at = time.perf_counter()
        try:
            files, error = resolve(target)(payload), None
        except AiReportError as exc:
            files, error = None, exc.message
        except Exception as exc:  # a bug, not a user's mistake: reported, never a hang
            files, error = None, f"{target} failed: {type(exc).__name__}: {exc}"
        pipe.send((files, error, time.perf_counter() - started_at))
