"""One publish at a time per output folder."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aireport.errors import BuildError, display_path
from aireport.build.progress import Quiet

LOCK_NAME = ".aireport.lock"


@contextmanager
def output_lock(out: Path, progress: Quiet | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `out`; a second publish waits, and says so."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK_NAME, "a+b")
    except OSError as exc:
        raise BuildError(f"{display_path(out)}: cannot write here: {exc.strerror}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if progress:
                progress.waiting(f"waiting for another aireport publish into {display_path(out)}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
