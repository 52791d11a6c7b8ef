"""Deliver each recipient's copy over parallel SMTP connections, recording every step in the ledger.

The main thread reads the work from the ledger and hands it to `connections`
worker threads, each with its own SMTP connection. A worker marks a row
`sending` (on disk) before it hands the message over and records the answer
after, so at any moment at most `connections` rows are in flight. The marks of
all workers are written by one Journal, which commits them in groups.

4xx answers and lost connections are tried again with growing pauses, then
left `deferred` for the next send; 5xx answers are `failed` at once. Too many
recipients failing in a row stop the send: a misconfigured server must not
burn through the list.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aireport.config import SmtpConfig
from aireport.send.ledger import Delivery, Journal
from aireport.errors import AiReportError
from aireport.send.smtp import Answer, Connection

BACKOFF = 2.0


@dataclass(frozen=True)
class Limits:
    rate: float = 10.0  # messages a second over all connections; 0: no limit
    connections: int = 2
    attempts: int = 3  # tries of a 4xx answer within one send
    backoff: float | None = None  # seconds before the second try, doubled for each one after; None: BACKOFF
    stop_after: int = 20  # recipients failing in a row that stop the send


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    in_a_row: int = 0
    last_failure: str = ""
    stopped: str | None = None
    tripped: bool = False  # the failures in a row stopped the send
    streak: list[tuple[int, str]] = field(default_factory=list, repr=False)  # rows failed since the last success
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.deferred

    def count(self, row: int, answer: Answer, limit: int) -> list[tuple[int, str]]:
        """Count one recipient's final answer. When the failures in a row reach `limit`, the send
        must stop, and the rows that failed in the run are returned, counted as deferred: a server
        refusing everyone says nothing about the recipients, so they are tried again next time."""
        with self.lock:
            setattr(self, answer.state, getattr(self, answer.state) + 1)
            if answer.state == "sent":
                self.in_a_row = 0
                self.streak.clear()
                return []
            self.in_a_row += 1
            self.last_failure = answer.text
            if answer.state == "failed":
                self.streak.append((row, answer.text))
            self.tripped = self.tripped or self.in_a_row >= limit
            if not self.tripped:
                return []
            rows, self.streak = self.streak, []
            self.failed -= len(rows)
            self.deferred += len(rows)
            return rows


class Pace:
    """At most `rate` messages a second over all threads."""

    def __init__(self, rate: float):
        self.interval = 1 / rate if rate > 0 else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            slot = max(self.next, now)
            self.next = slot + self.interval
        if slot > now:
            stop.wait(slot - now)


class Delivering:
    """One send's workers; `run` feeds them and returns when the work is done or the send stopped."""

    def __init__(self, ledger_path, smtp: SmtpConfig, secret: str | None, sender: str,
                 compose: Callable[[str, str], bytes], limits: Limits):
        self.ledger_path, self.smtp, self.secret, self.sender = ledger_path, smtp, secret, sender
        self.compose, self.limits = compose, limits
        self.tally = Tally()
        self.stop = threading.Event()
        self.fatal: str | None = None
        self.pace = Pace(limits.rate)
        self.jobs: queue.Queue[Delivery | None] = queue.Queue(maxsize=limits.connections)

    def run(self, work: Iterator[Delivery], progress: Callable[[Tally], None]) -> Tally:
        self.journal = Journal(self.ledger_path)
        workers = [threading.Thread(target=self._worker, name=f"smtp-{n}", daemon=True)
                   for n in range(self.limits.connections)]
        for worker in workers:
            worker.start()
        try:
            for delivery in work:
                progress(self.tally)  # it redraws a few times a second at most
                while not self._hand_over(delivery):
                    progress(self.tally)
                    if self.stop.is_set():
                        break
                if self.stop.is_set():
                    break
        except BaseException:  # Ctrl-C: the workers finish the message they hold, the rest stays pending
            self.stop.set()
            raise
        finally:
            for _ in workers:
                self._hand_over_end()
            for worker in workers:
                while worker.is_alive():
                    progress(self.tally)
                    worker.join(0.2)
            self.journal.close()  # every mark made is on disk before the send returns or stops
        progress(self.tally)
        self.tally.stopped = self.fatal
        return self.tally

    def _hand_over(self, delivery: Delivery) -> bool:
        try:
            self.jobs.put(delivery, timeout=0.2)
            return True
        except queue.Full:
            return False

    def _hand_over_end(self) -> None:
        """One end mark for one worker, after every message handed over before it."""
        while True:
            try:
                self.jobs.put(None, timeout=0.2)
                return
            except queue.Full:
                if self.stop.is_set():  # a stopped send leaves work behind; it stays pending for the next one
                    try:
                        self.jobs.get_nowait()
                    except queue.Empty:
                        pass

    def _worker(self) -> None:
        connection = Connection(self.smtp, self.secret)
        try:
            while (delivery := self.jobs.get()) is not None:
                if self.stop.is_set():
                    continue
                try:
                    self._deliver(delivery, connection)
                except AiReportError as exc:  # Fatal, or the ledger cannot be written
                    self._halt(exc.message)
                except Exception as exc:  # noqa: BLE001 - one line for the user, the rest stays pending
                    self._halt(f"sending stopped: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def _deliver(self, delivery: Delivery, connection: Connection) -> None:
        message = self.compose(delivery.address, delivery.name)
        answer = Answer("deferred", "not tried")
        for attempt in range(self.limits.attempts):
            pause = BACKOFF if self.limits.backoff is None else self.limits.backoff
            if attempt and self.stop.wait(pause * 2 ** (attempt - 1)):
                break  # stopped while waiting: it stays deferred, and is counted so
            self.pace.wait(self.stop)
            connection.ready()  # a server that cannot be reached stops the send before this row is marked
            self.journal.sending(delivery.row)
            answer = connection.send(self.sender, delivery.address, message)
            self.journal.settle(delivery.row, answer.state, answer.text)
            if answer.state != "deferred":
                break
        for row, text in self.tally.count(delivery.row, answer, self.limits.stop_after):
            self.journal.settle(row, "deferred", f"{text} (one of {self.limits.stop_after} failures in a row "
                                                 "that stopped the send; tried again by the next one)")
        if self.tally.tripped:
            self._halt(f"stopped after {self.limits.stop_after} recipients failed in a row (last: "
                       f"{answer.text}); check [tool.aireport.smtp], then send again to resume")

    def _halt(self, message: str) -> None:
        with self.tally.lock:
            if self.fatal is None:
                self.fatal = message
        self.stop.set()
