"""Atomic file output: a reader of dist/ sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from aireport.errors import BuildError, display_path

TEMP_PREFIX = ".aireport-tmp-"


def write_atomic(path: Path, data: bytes, mtime: int | None = None, prefix: str = TEMP_PREFIX) -> None:
    """Write beside the target, fsync, then rename over it (pip's adjacent_tmp_file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    except OSError as exc:
        raise BuildError(f"{display_path(path.parent)}: cannot write here: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        if mtime is not None:
            os.utime(temp_name, (mtime, mtime))
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise BuildError(f"{display_path(path)}: cannot write: {exc.strerror}") from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files left by a build that was killed before it could clean up."""
    if folder.is_dir():
        for stale in folder.rglob(f"{TEMP_PREFIX}*"):
            stale.unlink(missing_ok=True)
