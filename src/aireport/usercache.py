"""A small store in the user's cache folder for work that is slow to redo and fully decided by its inputs.

Entries live in `$XDG_CACHE_HOME/aireport`, else `~/.cache/aireport`; never in
the output folder, which gets published. A key names everything that decides
an entry's bytes, so the same key always holds the same bytes and nothing built
from the store can tell a warm one from a cold one. Each entry ends with its
own checksum; a damaged one is simply made again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from aireport.errors import BuildError
from aireport.atomic import write_atomic

LOG = logging.getLogger(__name__)
DIGEST_SIZE = 32
TEMP_PREFIX = ".tmp-"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "aireport"


def make_key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def cached(folder: Path, key: str, make: Callable[[], bytes], budget: int) -> bytes:
    """The entry `key` of `folder`, made and stored when missing; the folder is then cut back
    to `budget` bytes, least recently used entries first."""
    path = folder / key
    data = _load(path)
    if data is None:
        data = make()
        _store(path, data, budget)
    return data


def _load(path: Path) -> bytes | None:
    try:
        stored = path.read_bytes()
    except OSError:
        return None
    data, digest = stored[:-DIGEST_SIZE], stored[-DIGEST_SIZE:]
    if hashlib.sha256(data).digest() != digest:
        return None
    try:
        os.utime(path)  # marks it as recently used for _prune
    except OSError:
        pass
    return data


def _store(path: Path, data: bytes, budget: int) -> None:
    """Write the entry atomically; a store that cannot be written only costs time."""
    try:
        write_atomic(path, data + hashlib.sha256(data).digest(), prefix=TEMP_PREFIX)
        _prune(path.parent, budget)
    except (BuildError, OSError) as exc:
        LOG.debug("cache entry %s not written: %s", path, exc)


def _prune(folder: Path, budget: int) -> None:
    _remove_abandoned_temporaries(folder)
    entries = [(entry.stat(), entry) for entry in folder.iterdir() if not entry.name.startswith(TEMP_PREFIX)]
    total = sum(stat.st_size for stat, _ in entries)
    for stat, entry in sorted(entries, key=lambda pair: pair[0].st_mtime):
        if total <= budget:
            break
        entry.unlink(missing_ok=True)
        total -= stat.st_size


def _remove_abandoned_temporaries(folder: Path) -> None:
    """Half-written entries of a process that was killed; an hour old means no one is writing them."""
    cutoff = time.time() - 3600
    for temporary in folder.glob(f"{TEMP_PREFIX}*"):
        try:
            if temporary.stat().st_mtime < cutoff:
                temporary.unlink()
        except OSError:
            pass  # taken away by another process meanwhile
