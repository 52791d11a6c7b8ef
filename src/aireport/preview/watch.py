"""Notice changed source files by polling their stat.

A project has a few dozen source files: a stat of each takes about half a
millisecond, so polling ten times a second keeps a rebuild close behind a
save without a file-system notification library, and it also sees changes
on network and container mounts where notifications are not delivered.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

Snapshot = dict[Path, tuple[int, int, int]]  # path -> (inode, size, mtime in ns)

# Editors' swap, backup and probe files (vim writes "4913" to test a folder) are not sources.
IGNORED = re.compile(r"^\.|~$|\.sw[a-p]$|\.tmp$|^\d+$|^#.*#$")


def is_source(path: Path) -> bool:
    return not IGNORED.search(path.name)


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Identity, size and modification time of every source file under `roots` (files or folders)."""
    found: Snapshot = {}
    for root in roots:
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            if not is_source(path) or any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            try:
                stat = path.stat()
            except OSError:  # removed between listing and stat
                continue
            if path.is_file():
                found[path] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return found


def changed_paths(before: Snapshot, after: Snapshot) -> set[Path]:
    """Files added, removed or modified between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def watch(roots: tuple[Path, ...], on_change: Callable[[set[Path]], None], stop: threading.Event,
          since: Snapshot | None = None, interval: float = 0.1) -> None:
    """Call `on_change` with the files changed since the snapshot `since` until `stop` is set.

    A change is reported once the files have stopped changing for one
    interval, so a save that touches several files gives one rebuild. What
    changes while `on_change` runs is reported by the next call.
    """
    before = snapshot(roots) if since is None else since
    while not stop.wait(interval):
        current = snapshot(roots)
        if current == before:
            continue
        while not stop.wait(interval):
            settled = snapshot(roots)
            if settled == current:
                break
            current = settled
        if stop.is_set():
            return
        on_change(changed_paths(before, current))
        before = current
