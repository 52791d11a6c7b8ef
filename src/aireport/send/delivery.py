"""Deliver each recipient's copy over parallel SMTP connections, recording every step in the ledger.

The main thread reads the work from the ledger and hands it to `connections`
worker threads, each with its own SMTP connection. A worker marks a row
`sending` (on disk) before it hands the message over and records the answer
after, so at any moment at most `connections` rows are in flight. The marks of
all workers are written by one Journal, which commits them in groups.

4xx answers and lost connections are tried again with growing pauses, then
left `deferred` for the next send. A 5xx answer is a recipient's `failed` only
once the same server has accepted a message after it in this send: until then
it may be the server or the settings at fault, not the address, so it is
recorded `deferred` (marked UNCONFIRMED) and tried again by the next send. A
send in which the server accepts nothing, or after which 20 recipients failed
in a row, therefore fails nobody for good. Recipients refused before in this
way do not count towards the run of failures, so they cannot block the list.
A 5xx answer to the sender (MAIL FROM) stops the send at once.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aireport.config import SmtpConfig
from aireport.send.ledger import UNCONFIRMED, Delivery, Journal
from aireport.errors import AiReportError
from aireport.send.smtp import Answer, Connection, Fatal

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
    unsubscribed: int = 0  # recipients suppressed while the send ran, so not mailed
    doubtful: list[tuple[int, str]] = field(default_factory=list, repr=False)  # 5xx rows since the last success
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.deferred + self.unsubscribed

    def count(self, delivery: Delivery, answer: Answer, limit: int) -> list[tuple[int, str]]:
        """Count one recipient's final answer; returns the refusals this answer confirms (a message
        accepted shows the server works, so the refusals before it were about their addresses)."""
        with self.lock:
            if answer.state == "sent":
                self.sent += 1
                self.in_a_row = 0
                if self.tripped:  # one message through a server that refused the last 20 proves little
                    return []
                return self._confirmed()
            self.deferred += 1  # a 5xx too, until it is confirmed
            self.last_failure = answer.text
            if answer.state == "failed":
                self.doubtful.append((delivery.row, answer.text))
            if not delivery.refused_before:
                self.in_a_row += 1
                self.tripped = self.tripped or self.in_a_row >= limit
            return []

    def close(self) -> list[tuple[int, str]]:
        """At the end of a send: the refusals that stand. They do when the server accepted
        messages in this send and no run of failures stopped it; otherwise they stay deferred."""
        with self.lock:
            if not self.sent or self.tripped:
                return []
            return self._confirmed()

    def _confirmed(self) -> list[tuple[int, str]]:
        """The doubtful refusals, now counted as failed (the caller holds the lock)."""
        confirmed, self.doubtful = self.doubtful, []
        self.failed += len(confirmed)
        self.deferred -= len(confirmed)
        return confirmed


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
        """Raises KeyboardInterrupt after winding down when Ctrl-C came, at any moment."""
        self.journal = Journal(self.ledger_path)
        workers = [threading.Thread(target=self._worker, name=f"smtp-{n}", daemon=True)
                   for n in range(self.limits.connections)]
        for worker in workers:
            worker.start()
        interrupted = False
        try:
            for delivery in work:
                progress(self.tally)  # it redraws a few times a second at most
                while not self._hand_over(delivery):
                    progress(self.tally)
                    if self.stop.is_set():
                        break
                if self.stop.is_set():
                    break
        except KeyboardInterrupt:  # the workers finish the message they hold; the rest stays pending
            interrupted = True
            self.stop.set()
        finally:
            interrupted = self._wind_down(workers, progress) or interrupted
        if interrupted:
            raise KeyboardInterrupt
        progress(self.tally)
        self.tally.stopped = self.fatal
        return self.tally

    def _wind_down(self, workers: list[threading.Thread], progress: Callable[[Tally], None]) -> bool:
        """Let every worker finish the message it holds and every mark reach the disk, even when
        Ctrl-C comes meanwhile (a worker cut off mid-message would send it again next time).
        True when it did come."""
        interrupted, ends, confirming = False, len(workers), None
        while True:
            try:
                while ends:
                    self._hand_over_end()
                    ends -= 1
                for worker in workers:
                    while worker.is_alive():
                        progress(self.tally)
                        worker.join(0.2)
                if confirming is None:
                    confirming = self.tally.close()
                while confirming:
                    self._confirm(confirming[-1:])
                    confirming.pop()
                if self.tally.doubtful and not self.tally.sent and self.fatal is None:
                    self.fatal = (f"the server accepted none of the messages it was offered (last: "
                                  f"{self.tally.last_failure}); they stay deferred: check [tool.aireport.smtp], "
                                  "then send again")
                self.journal.close()  # every mark made is on disk before the send returns or stops
                return interrupted
            except KeyboardInterrupt:
                interrupted = True
                self.stop.set()

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
        answer = None
        try:
            for attempt in range(self.limits.attempts):
                pause = BACKOFF if self.limits.backoff is None else self.limits.backoff
                if attempt and self.stop.wait(pause * 2 ** (attempt - 1)):
                    break  # stopped while waiting: it stays deferred, and is counted so
                self.pace.wait(self.stop)
                if self.stop.is_set():
                    break  # stopped while waiting for its turn: it stays as it was
                connection.ready()  # a server that cannot be reached stops the send before this row is marked
                if not self.journal.sending(delivery.row):
                    answer = None  # counted as unsubscribed only, whatever an earlier try answered
                    with self.tally.lock:
                        self.tally.unsubscribed += 1
                    return
                try:
                    answer = connection.send(self.sender, delivery.address, message)
                except Fatal:  # the server refused the sender: the message was never offered
                    if answer is None:  # the row goes back to what it was
                        self.journal.settle(delivery.row, delivery.state, delivery.answer)
                    else:  # as the earlier try left it, and counted so
                        self.journal.settle(delivery.row, "deferred", answer.text)
                    raise
                if answer.state == "failed":
                    self.journal.settle(delivery.row, "deferred", UNCONFIRMED + answer.text)
                else:
                    self.journal.settle(delivery.row, answer.state, answer.text)
                if answer.state != "deferred":
                    break
        finally:
            if answer is not None:  # counted however the tries ended, as the ledger has it
                self._confirm(self.tally.count(delivery, answer, self.limits.stop_after))
        if self.tally.tripped:
            self._halt(f"stopped after {self.limits.stop_after} recipients failed in a row (last: "
                       f"{self.tally.last_failure}); they stay deferred: check [tool.aireport.smtp], then send "
                       "again to resume")

    def _confirm(self, refusals: list[tuple[int, str]]) -> None:
        for row, text in refusals:
            self.journal.settle(row, "failed", text)

    def _halt(self, message: str) -> None:
        with self.tally.lock:
            if self.fatal is None:
                self.fatal = message
        self.stop.set()
