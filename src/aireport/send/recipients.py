"""The subscriber list: a CSV file with a header row, an `email` column and an optional `name`.

Rows are read one at a time, so a list of any length costs the same memory.
Addresses are compared with the domain in lower case and the local part as
written: RFC 5321 lets a server tell `Ann@` from `ann@`, so both are kept (and
counted, so the editor can see them). Suppression is stricter: an address is
suppressed whatever the case of any part (see ledger.fold), because mailing a
person who left is worse than missing one.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aireport.errors import AiReportError, display_path

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}  # the first in the header row separates fields
MAX_ADDRESS = 254
MAX_LOCAL = 64
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


@dataclass(frozen=True)
class Recipient:
    address: str  # normalised: the domain in lower case (and in ASCII), the local part as written
    name: str
    line: int


@dataclass
class ListSummary:
    """What was skipped while reading, by reason, with the first few lines of each."""

    invalid: list[tuple[int, str]] = field(default_factory=list)
    duplicates: int = 0
    case_twins: int = 0  # addresses that differ from an earlier one only in the case of the local part
    suppressed: int = 0
    rows: int = 0
    long_rows: list[int] = field(default_factory=list)  # lines with more fields than the header row
    named_last: bool = False  # `name` is the last column, so extra fields are taken as part of it
    delimiter: str = ","

    @property
    def skipped(self) -> int:
        return len(self.invalid) + self.duplicates + self.suppressed

    def lines(self, path: Path) -> list[str]:
        where = display_path(path)
        out = [f"{where}:{line}: {problem}; skipped" for line, problem in self.invalid[:10]]
        if len(self.invalid) > 10:
            out.append(f"{where}: {_addresses(len(self.invalid) - 10)} more invalid, skipped")
        if self.duplicates:
            out.append(f"{where}: {_addresses(self.duplicates)} listed twice, skipped (each is mailed once)")
        if self.suppressed:
            out.append(f"{where}: {_addresses(self.suppressed)} suppressed, skipped (unsubscribed or "
                       "`aireport suppress`)")
        if self.long_rows:
            lines = ", ".join(map(str, self.long_rows[:5])) + (" and more" if len(self.long_rows) > 5 else "")
            taken = (f"the rest of the line was taken as the name; a name that holds a "
                     f"{DELIMITERS[self.delimiter]} needs quotes (\"Smith{self.delimiter} John\")"
                     if self.named_last else "the extra fields were ignored")
            out.append(f"{where}: line {lines}: more fields than the header row; {taken}")
        if self.case_twins:
            out.append(f"{where}: {_addresses(self.case_twins)} differing from another only in the case of the "
                       "part before @; both are mailed (servers may tell them apart)")
        return out


def _addresses(count: int) -> str:
    return f"{count} address" if count == 1 else f"{count} addresses"


def normalise(address: str) -> str | None:
    """The address with its domain in lower-case ASCII, or None when it is not a deliverable address."""
    address = address.strip()
    if address.count("@") != 1 or len(address) > MAX_ADDRESS:
        return None
    local, domain = address.split("@")
    if not (0 < len(local) <= MAX_LOCAL) or not _LOCAL.fullmatch(local):
        return None
    try:
        domain = domain.encode("idna").decode("ascii").lower() if not domain.isascii() else domain.lower()
    except UnicodeError:
        return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return None
    return f"{local}@{domain}"


def read_list(path: Path, summary: ListSummary) -> Iterator[Recipient]:
    """Each valid row of the list; invalid ones go into `summary`. Duplicates are left to the caller.
    Fields are separated by commas, or by semicolons or tabs when the header row has no comma (as
    spreadsheets save "CSV" in many locales)."""
    where = display_path(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise AiReportError(f"{where}: cannot read the list: {exc.strerror}") from None
    with handle:
        lines_before = 0
        try:
            header = handle.readline()
            while header and not header.strip():  # blank lines above the header row
                lines_before += 1
                header = handle.readline()
            if not header:
                raise AiReportError(f"{where}: the list is empty; it needs a header row with an `email` column "
                                    "and one subscriber a row")
            summary.delimiter = next((d for d in DELIMITERS if d in header), ",")
            reader = csv.reader(itertools.chain([header], handle), delimiter=summary.delimiter)
            columns = [c.strip().lower() for c in next(reader)]
            email, name = _columns(columns, where, lines_before + 1)
            summary.named_last = name == len(columns) - 1
            end = lines_before + reader.line_num  # the last line read
            for row in reader:
                line, end = end + 1, lines_before + reader.line_num
                if end > line:  # no name or address holds a line break: a quote was left open
                    raise AiReportError(f"{where}:{line}: a quoted field runs over {end - line + 1} lines; "
                                        "close the quote (\") that opens it")
                if not any(cell.strip() for cell in row):
                    continue
                summary.rows += 1
                if len(row) > len(columns):
                    summary.long_rows.append(line)
                    if summary.named_last:
                        row = [*row[:name], summary.delimiter.join(row[name:])]
                yield from _recipient(row[email] if email < len(row) else "",
                                      row[name] if name is not None and name < len(row) else "", line, summary)
        except UnicodeDecodeError:
            raise AiReportError(f"{where}: not UTF-8 text; save the list as UTF-8 CSV") from None
        except csv.Error as exc:
            raise AiReportError(f"{where}:{lines_before + reader.line_num}: not valid CSV: {exc}") from None
    if summary.rows == 0:
        raise AiReportError(f"{where}: the list has a header row but no subscribers")


def _columns(columns: list[str], where: str, line: int) -> tuple[int, int | None]:
    """The positions of the `email` and `name` columns."""
    if columns.count("email") != 1:
        raise AiReportError(f"{where}:{line}: " + (
            f"no `email` column in the header row ({', '.join(columns)}); name the address column `email`"
            if "email" not in columns else "two `email` columns in the header row; keep one"))
    if columns.count("name") > 1:
        raise AiReportError(f"{where}:{line}: two `name` columns in the header row; keep one")
    return columns.index("email"), columns.index("name") if "name" in columns else None


def _recipient(given: str, name: str, line: int, summary: ListSummary) -> Iterator[Recipient]:
    given = given.strip()
    address = normalise(given)
    if address is None:
        summary.invalid.append((line, f"{given!r} is not an e-mail address" if given else "no address"))
        return
    yield Recipient(address, " ".join(name.split()), line)
