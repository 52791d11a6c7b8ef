"""Writing a publish into the output folder: all of it, or none of it.

Every file of a publish is first written into a staging folder inside the
output folder (so on the same file system) and flushed to disk. Only when all
of them are there does the switch begin: each file is renamed over its
target, which replaces it atomically. A full disk or any other write error
therefore fails while staging, before a single published file has changed;
a publish killed during the switch leaves each file either old or new, and
the next publish removes what the killed one left behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from aireport.atomic import remove_stale_temporaries
from aireport.errors import BuildError, display_path

STAGING = ".aireport-staging"


class Staging:
    """The files of one publish, staged; `switch` puts them in place."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.folder = out / STAGING
        self.files: dict[str, Path] = {}  # path in the output folder -> its staged copy
        self.removals: list[str] = []  # folders of the output folder to remove
        self.obsolete: list[str] = []  # files of the output folder to remove

    def add(self, path: str, data: bytes) -> None:
        staged = self.folder / "files" / path
        try:
            staged.parent.mkdir(parents=True, exist_ok=True)
            with open(staged, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(staged, 0o644)
        except OSError as exc:
            self.discard()
            raise BuildError(f"{display_path(self.out / path)}: cannot write: {exc.strerror}; "
                             f"nothing in {display_path(self.out)}/ was changed") from None
        self.files[path] = staged

    def remove(self, folder: str) -> None:
        self.removals.append(folder)

    def remove_file(self, path: str) -> None:
        self.obsolete.append(path)

    def switch(self, mtime: int | None) -> None:
        """Rename every staged file over its target, then take away the removed folders.

        The folders are made first, so a file standing where a folder belongs stops the
        switch before any published file has changed."""
        for path in self.files:
            _refuse_links(self.out, path)
            folder = (self.out / path).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.discard()
                raise BuildError(f"{display_path(folder)}: cannot write here: {exc.strerror}") from None
        try:
            for path, staged in sorted(self.files.items()):
                target = self.out / path
                if mtime is not None:
                    os.utime(staged, (mtime, mtime))
                os.replace(staged, target)
            for folder in sorted(self.removals):
                if (self.out / folder).exists():
                    os.replace(self.out / folder, self.folder / f"removed-{folder}")
            for path in self.obsolete:
                _remove_file(self.out, path)
            _sync_folder(self.out)
        except OSError as exc:
            raise BuildError(f"{display_path(self.out)}: cannot write: {exc.strerror}") from None
        finally:
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def clean_up(out: Path) -> None:
    """What a killed publish left: its staging folder and temporary files."""
    shutil.rmtree(out / STAGING, ignore_errors=True)
    remove_stale_temporaries(out)


def _remove_file(out: Path, path: str) -> None:
    """A file no edition writes any more, and then its folders if that left them empty."""
    target = out / path
    if any(parent.is_symlink() for parent in target.parents if parent.is_relative_to(out) and parent != out):
        return
    target.unlink(missing_ok=True)
    for folder in target.parents:
        if folder == out or not folder.is_relative_to(out):
            break
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            break


def _refuse_links(out: Path, path: str) -> None:
    """A symbolic link inside the output folder would send a write elsewhere: refuse it."""
    current = out
    for part in Path(path).parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise BuildError(f"{display_path(current)}: is a symbolic link; aireport writes only inside "
                             f"{display_path(out)}/, so remove the link")


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
