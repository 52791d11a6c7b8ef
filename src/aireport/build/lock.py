"""One publish at a time per output folder.

The lock file lives in the project's .aireport-cache/, not in the output
folder, which holds only the site that gets deployed.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aireport.build.progress import Quiet
from aireport.errors import BuildError, display_path


@contextmanager
def output_lock(lock: Path, out: Path, progress: Quiet | None = None) -> Iterator[None]:
    """Hold an exclusive lock for `out` in the file `lock`; a second publish waits, and says so."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+b")
    except OSError as exc:
        raise BuildError(f"{display_path(lock.parent)}: cannot write here: {exc.strerror}") from None
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
