"""The processes that lay out booklets, started before anything else of a publish.

Importing WeasyPrint takes about half a second and a booklet's layout most of a
second more, while every other edition takes a fraction of that. A worker forked
first spends its import while the main process imports the rest, loads the
reports and renders the light editions.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aireport.options import BuildOptions

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

BOOKLET_MODULE = "aireport.outputs.pdf"


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

    pool = multiprocessing.get_context("fork").Pool(count, _import_weasyprint)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def _import_weasyprint() -> None:
    importlib.import_module(BOOKLET_MODULE).preload()
