"""A one-line progress bar for `aireport send` on a terminal: counts, rate and time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from aireport.send.delivery import Tally

WIDTH = 24
EVERY = 0.25  # seconds between redraws


class SendProgress:
    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.shown = stream.isatty()
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, total: int, tally: Tally) -> None:
        now = time.monotonic()
        if not self.shown or now - self.drawn < EVERY:
            return
        self.drawn = now
        done = tally.done
        filled = WIDTH * done // total if total else WIDTH
        rate = done / (now - self.started) if now > self.started else 0.0
        left = f"{_clock((total - done) / rate)} left" if rate and done < total else ""
        self.stream.write(f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} · sent {tally.sent} · "
                          f"failed {tally.failed} · deferred {tally.deferred} · {rate:.0f}/s {left}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
