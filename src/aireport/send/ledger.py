"""The send ledger: one row per (edition, recipient) with its state, and the suppression list.

A recipient is marked `sending` (committed) before its message is handed to the
server and `sent` (committed) once the server has accepted it, so after a kill
only rows left in `sending` can have been delivered without a record. States:

    pending  -> sending -> sent       accepted by the server
                        -> deferred   4xx, a dropped connection, or a 5xx not yet confirmed
                                      (UNCONFIRMED); tried again by the next send
                        -> failed     5xx, confirmed by the server accepting another message;
                                      never tried again

The database is SQLite in WAL mode with synchronous=FULL, so a commit survives
power loss as well as a killed process. It is records, not a cache: it lives
outside the output folder and the build cache, and deleting it forgets who
has been mailed.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from aireport.config import Config
from aireport.errors import AiReportError, display_path
from aireport.send.recipients import ListSummary, Recipient

CACHE_FOLDER = ".aireport-cache"  # the build cache's folder, which the ledger must stay out of
BATCH = 500
STATES = ("pending", "sending", "sent", "deferred", "failed")
UNCONFIRMED = "refused, to be confirmed: "  # a deferred row's answer: a 5xx no later acceptance has confirmed
# A deliveries row whose address is suppressed: `fold` in SQL (its addresses are already stripped and ASCII).
SUPPRESSED = "EXISTS (SELECT 1 FROM suppressions s WHERE s.fold = lower(deliveries.address))"
SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    edition TEXT NOT NULL,
    address TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    answer TEXT NOT NULL DEFAULT '',
    in_flight INTEGER NOT NULL DEFAULT 0,  -- times found `sending` when a send started: possibly sent twice
    updated TEXT NOT NULL,
    UNIQUE (edition, address)
);
CREATE TABLE IF NOT EXISTS suppressions (
    fold TEXT PRIMARY KEY,  -- the whole address in lower case
    address TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Delivery:
    row: int
    address: str
    name: str
    state: str = "pending"  # as the ledger had it when the send read the row: pending or deferred
    answer: str = ""  # the server's last answer, then

    @property
    def refused_before(self) -> bool:
        """Deferred after a 5xx that a send could not confirm (see delivery.py)."""
        return self.state == "deferred" and self.answer.startswith(UNCONFIRMED)


def fold(address: str) -> str:
    return address.strip().lower()


def ledger_path(config: Config) -> Path:
    path = config.ledger_path
    for folder, what in ((config.output_dir, "the output folder"), ((config.root / CACHE_FOLDER).resolve(),
                                                                    "the build cache")):
        if path.is_relative_to(folder):
            raise AiReportError(f"[tool.aireport] ledger = {config.ledger!r}: is inside {what}, which may be "
                                "deleted or rebuilt; keep the send records elsewhere, such as .aireport/sends.sqlite3")
    return path


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Ledger:
    """One connection to the ledger; each thread that writes opens its own."""

    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise AiReportError(f"{display_path(path)}: cannot open the send ledger: {exc}") from None

    def close(self) -> None:
        self.db.close()

    # Suppression -----------------------------------------------------------------------------

    def suppress(self, address: str, reason: str) -> bool:
        """Record `address` as never to be mailed again; False when it already was."""
        cursor = self.db.execute("INSERT OR IGNORE INTO suppressions VALUES (?, ?, ?, ?)",
                                 (fold(address), address.strip(), reason, now()))
        return cursor.rowcount == 1

    def is_suppressed(self, address: str) -> bool:
        return self.db.execute("SELECT 1 FROM suppressions WHERE fold = ?", (fold(address),)).fetchone() is not None

    # One send --------------------------------------------------------------------------------

    def take_list(self, edition: str, recipients: Iterator[Recipient], summary: ListSummary,
                  record: bool = True) -> None:
        """Take this run's list: a pending row for each new recipient (unless not `record`, for a
        dry run); duplicates and suppressed addresses are counted in `summary`. Only the addresses
        of this list are sent to by `work`."""
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS listed (address TEXT PRIMARY KEY, fold TEXT NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS temp.listed_fold ON listed (fold)")
        db.execute("DELETE FROM listed")
        db.execute("BEGIN")
        for count, recipient in enumerate(recipients, start=1):
            self._take(edition, recipient, summary, record)
            if count % BATCH == 0:
                db.execute("COMMIT")
                db.execute("BEGIN")
        db.execute("COMMIT")

    def _take(self, edition: str, recipient: Recipient, summary: ListSummary, record: bool) -> None:
        address, folded = recipient.address, fold(recipient.address)
        if self.db.execute("INSERT OR IGNORE INTO listed VALUES (?, ?)", (address, folded)).rowcount == 0:
            summary.duplicates += 1
            return
        if self.db.execute("SELECT 1 FROM listed WHERE fold = ? AND address <> ?", (folded, address)).fetchone():
            summary.case_twins += 1
        if self.is_suppressed(address):
            summary.suppressed += 1
            return
        if record:
            self.db.execute("INSERT OR IGNORE INTO deliveries (edition, address, name, updated) VALUES (?, ?, ?, ?)",
                            (edition, address, recipient.name, now()))

    def would_send(self, edition: str) -> Iterator[str]:
        """The listed addresses a send would mail now (a dry run's answer), in list order."""
        cursor = self.db.execute(
            "SELECT l.address FROM listed l LEFT JOIN deliveries d ON d.edition = ? AND d.address = l.address "
            "WHERE (d.state IS NULL OR d.state IN ('pending', 'deferred', 'sending')) "
            "AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.fold = l.fold) ORDER BY l.rowid", (edition,))
        for (address,) in cursor:
            yield address

    def recover(self, edition: str) -> int:
        """Rows a killed send left in `sending`: their messages may or may not have reached the
        server. They are sent again (at least once beats silently never) and counted."""
        cursor = self.db.execute("UPDATE deliveries SET state = 'pending', in_flight = in_flight + 1, updated = ? "
                                 "WHERE edition = ? AND state = 'sending'", (now(), edition))
        return cursor.rowcount

    def work(self, edition: str) -> Iterator[Delivery]:
        """The listed recipients still to be mailed (pending or deferred, not suppressed), in list order."""
        last = 0
        while True:
            rows = self.db.execute(
                "SELECT d.rowid, d.address, d.name, d.state, d.answer "
                "FROM deliveries d JOIN listed l ON l.address = d.address "
                "WHERE d.edition = ? AND d.state IN ('pending', 'deferred') AND d.rowid > ? "
                "AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.fold = l.fold) "
                "ORDER BY d.rowid LIMIT ?", (edition, last, BATCH)).fetchall()
            if not rows:
                return
            for row in rows:
                yield Delivery(*row)
            last = rows[-1][0]

    def count_work(self, edition: str) -> dict[str, int]:
        """The listed recipients by state, for the dry run and the progress bar."""
        rows = self.db.execute(
            "SELECT d.state, count(*) FROM deliveries d JOIN listed l ON l.address = d.address "
            "WHERE d.edition = ? AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.fold = l.fold) "
            "GROUP BY d.state", (edition,)).fetchall()
        return dict(rows)

    def suppressed_row(self, row: int) -> bool:
        return self.db.execute(f"SELECT {SUPPRESSED} FROM deliveries WHERE rowid = ?", (row,)).fetchone() == (1,)

    def mark_sending(self, row: int) -> None:
        self.db.execute("UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated = ? "
                        "WHERE rowid = ?", (now(), row))

    def mark(self, row: int, state: str, answer: str) -> None:
        self.db.execute("UPDATE deliveries SET state = ?, answer = ?, updated = ? WHERE rowid = ?",
                        (state, answer[:300], now(), row))

    # Reports ---------------------------------------------------------------------------------

    def status(self, edition: str | None) -> list[tuple[str, dict[str, int], int]]:
        """(edition, count by state, rows that were in flight at a kill) for one edition or all."""
        where, args = ("WHERE edition = ?", (edition,)) if edition else ("", ())
        # A row not yet mailed whose address was suppressed since it was listed will never be mailed.
        rows = self.db.execute(
            f"SELECT edition, CASE WHEN state IN ('pending', 'deferred') AND {SUPPRESSED} THEN 'unsubscribed' "
            f"ELSE state END AS shown, count(*), sum(in_flight > 0) FROM deliveries {where} "
            "GROUP BY edition, shown ORDER BY edition, shown",
            args).fetchall()
        result: dict[str, tuple[dict[str, int], int]] = {}
        for name, state, count, in_flight in rows:
            states, total = result.get(name, ({}, 0))
            states[state] = count
            result[name] = (states, total + (in_flight or 0))
        return [(name, states, in_flight) for name, (states, in_flight) in result.items()]

    def suppressed_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM suppressions").fetchone()[0]

    def failures(self, edition: str, limit: int = 10) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT address, state, answer FROM deliveries WHERE edition = ? "
                               f"AND (state = 'failed' OR state = 'deferred' AND NOT {SUPPRESSED}) "
                               "ORDER BY rowid LIMIT ?", (edition, limit)).fetchall()


@contextmanager
def send_lock(path: Path) -> Iterator[None]:
    """One send per ledger at a time: a second one would take the first one's messages for abandoned."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AiReportError(f"{display_path(path)}: another `aireport send` is using this ledger; "
                                "wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Journal:
    """The one writer of a send's marks, committing whatever the workers have marked since the
    last commit in one transaction: one disk flush for several messages (group commit).

    `sending` returns only once its mark is on disk, so it can be called right before a message
    is handed over. `settle` (sent, deferred, failed) does not wait: its mark goes into the next
    commit, which is never later than the same worker's next `sending` mark (one queue, in order).
    So however a send stops, each worker leaves at most one row in `sending`.
    """

    def __init__(self, path: Path):
        import queue
        import threading

        self.ledger = Ledger(path)
        self.marks: queue.SimpleQueue = queue.SimpleQueue()
        self.unsubscribed: set[int] = set()  # rows whose address was suppressed while the send ran
        self.error: str | None = None
        self.thread = threading.Thread(target=self._write, name="ledger", daemon=True)
        self.thread.start()

    def sending(self, row: int) -> bool:
        """Mark `row` in flight, on disk; False (and no mark) when its address was suppressed after
        the send began: an unsubscribe takes effect at once, not after the rows already read."""
        import threading

        done = threading.Event()
        self.marks.put(("sending", row, "", done))
        done.wait()
        if self.error:
            raise AiReportError(self.error)
        return row not in self.unsubscribed

    def settle(self, row: int, state: str, answer: str) -> None:
        self.marks.put((state, row, answer, None))

    def close(self) -> None:
        self.marks.put(None)
        self.thread.join()
        self.ledger.close()
        if self.error:
            raise AiReportError(self.error)

    def _write(self) -> None:
        import queue

        finished = False
        while not finished:
            batch = [self.marks.get()]
            while True:
                try:
                    batch.append(self.marks.get_nowait())
                except queue.Empty:
                    break
            finished = batch[-1] is None
            marks = [mark for mark in batch if mark is not None]
            try:
                if marks and not self.error:
                    self._commit(marks)
            except sqlite3.Error as exc:
                self.error = f"{display_path(self.ledger.path)}: cannot record in the send ledger: {exc}"
            for *_, done in marks:
                if done is not None:
                    done.set()

    def _commit(self, marks: list) -> None:
        db = self.ledger.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for state, row, answer, _ in marks:
                if state == "sending":
                    if self.ledger.suppressed_row(row):
                        self.unsubscribed.add(row)
                    else:
                        self.ledger.mark_sending(row)
                else:
                    self.ledger.mark(row, state, answer)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
