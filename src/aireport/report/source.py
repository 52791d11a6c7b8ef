"""Reading a report file: bytes to text to (front matter, body), with file:line errors."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from aireport.errors import ReportError

MAX_REPORT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    path: Path
    front_matter: str
    body: str
    body_line: int  # line number of the body's first line in the file


def read_report_text(path: Path) -> str:
    """The file as text; binary, oversized or non-UTF-8 input is a ReportError."""
    try:
        data = _read_regular_file(path)
    except FileNotFoundError:
        raise ReportError(path, None, "no such report; create it with `aireport new YEAR`") from None
    except IsADirectoryError:
        raise ReportError(path, None, "is a folder, not a report file") from None
    except OSError as exc:
        raise ReportError(path, None, f"cannot be read: {exc.strerror}") from None
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(path, None, f"is larger than {MAX_REPORT_BYTES // 1024 // 1024} MB; a report is text")
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ReportError(path, line, "is a binary file (contains NUL bytes); a report is UTF-8 Markdown")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportError(
            path, line, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file. Opened without blocking and checked before reading: a FIFO
    would wait for a writer for ever, a device would never end."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket or device); a report is a text file")
        return file.read(MAX_REPORT_BYTES + 1)  # enough to tell it is too large


def split_front_matter(path: Path, text: str) -> SourceText:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ReportError(path, 1, "the report must start with YAML front matter between '---' lines",
                          rule="front-matter")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return SourceText(
                path=path,
                front_matter="\n".join(lines[1:index]),
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    raise ReportError(path, 1, "the front matter is not closed; add a '---' line after it",
                      rule="front-matter")
