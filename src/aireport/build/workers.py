"""The processes that typeset booklets, started before anything else of a publish.

Importing WeasyPrint takes about a quarter of a second and laying a booklet out
more than half a second, while every other edition takes a fraction of that. A
worker forked first spends its import while the main process imports the rest,
loads the reports, renders the light editions and prepares the booklets, which
it then hands over to be typeset.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from aireport.errors import AiReportError
from aireport.build.options import BuildOptions
from aireport.editions.booklet.typesetting import Booklet, preload, typeset

if TYPE_CHECKING:
    from multiprocessing.pool import Pool


def booklet_worker_count(options: BuildOptions) -> int:
    """One worker per year, up to -j; none when no booklet is asked for or with -j1, where
    everything renders in the one process."""
    if "pdf" not in options.only or options.jobs <= 1:
        return 0
    years = len(set(options.years))
    return options.jobs if options.all_years else min(options.jobs, years)


@contextmanager
def booklet_workers(options: BuildOptions) -> Iterator[Pool | None]:
    count = booklet_worker_count(options)
    if not count:
        yield None
        return
    import multiprocessing

    pool = multiprocessing.get_context("fork").Pool(count, _start_worker)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which stops the workers
    # Where processes outnumber cores, the main process goes first: the workers typeset
    # what it prepares, and a publish with nothing to typeset need not wait for them.
    with suppress(OSError):
        os.nice(5)
    preload()


def typeset_booklet(booklet: Booklet) -> tuple[bytes | None, str | None, float]:
    """In a worker: the booklet's PDF or the user error that stopped it, and the seconds it took."""
    started = time.perf_counter()
    try:
        data, error = typeset(booklet), None
    except AiReportError as exc:
        data, error = None, exc.message
    return data, error, time.perf_counter() - started
