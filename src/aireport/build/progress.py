"""What a publish tells the person running it, on stderr: plain lines, a bar on a terminal, or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from aireport.errors import display_path


class Quiet:
    """Says nothing; the build calls these as it goes."""

    def warning(self, line: str) -> None: ...

    def waiting(self, message: str) -> None: ...

    def planned(self, jobs: int) -> None: ...

    def written(self, edition: str, path: str, size: int, seconds: float) -> None: ...

    def done(self, job: str, fresh: bool) -> None: ...

    def close(self) -> None: ...


class Lines(Quiet):
    """One line per file written: edition, path, size, render time."""

    def __init__(self, out: Path, stream: TextIO):
        self.out = out
        self.stream = stream

    def say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def warning(self, line: str) -> None:
        self.say(line)

    def waiting(self, message: str) -> None:
        self.say(message)

    def written(self, edition: str, path: str, size: int, seconds: float) -> None:
        shown = f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} B"
        self.say(f"  {edition:<6} {display_path(self.out / path):<36} {shown:>7}  {seconds:.2f} s")


class Bar(Lines):
    """A bar over the editions to build, redrawn in place on a terminal."""

    WIDTH = 24

    def __init__(self, out: Path, stream: TextIO):
        super().__init__(out, stream)
        self.total = 0
        self.finished = 0
        self.drawn = False

    def say(self, line: str) -> None:
        self._clear()
        super().say(line)
        self._draw("")

    def written(self, edition: str, path: str, size: int, seconds: float) -> None:
        self.last = f"{edition} {path}"

    def planned(self, jobs: int) -> None:
        self.total += jobs
        self._draw("")

    def done(self, job: str, fresh: bool) -> None:
        self.finished += 1
        self._draw(f"{job}{' (up to date)' if fresh else ''}")

    def close(self) -> None:
        self._clear()

    def _draw(self, label: str) -> None:
        if not self.total:
            return
        filled = self.WIDTH * self.finished // self.total
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        self.stream.write(f"\r\x1b[2K{bar} {self.finished}/{self.total} {label}")
        self.stream.flush()
        self.drawn = True

    def _clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.drawn = False


def choose(out: Path, quiet: bool, verbose: bool, stream: TextIO | None = None) -> Quiet:
    stream = stream or sys.stderr  # looked up now: click's test runner swaps it
    if quiet:
        return Quiet()
    if verbose or not stream.isatty():
        return Lines(out, stream)
    return Bar(out, stream)
