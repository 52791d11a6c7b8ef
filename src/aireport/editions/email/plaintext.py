"""Fill plain text to a width, counting Chinese characters as two columns.

`textwrap` counts characters and breaks only at spaces, so Chinese text would
never wrap. Here a line may break between any two Chinese characters or at a
space, never inside a Latin word or URL, and never so that a line starts with
closing punctuation (，。）」…) or ends with opening punctuation (（「“…).
"""

from __future__ import annotations

import re
import unicodedata

WIDTH = 72
# A list marker or footnote number: continuation lines are indented past it.
_HANGING = re.compile(r"\s*(?:[*•-] |\[\d+\] |\d+\. |No\.\d+ )?")
_PIECE = re.compile(r"\s+|[^\s]")
_NO_LINE_START = set("，。、；：？！）》」』】〉”’…—·,.;:!?)]}%")
_NO_LINE_END = set("（《「『【〈“‘([{")
# East Asian "ambiguous" punctuation that Chinese fonts draw full width.
_WIDE_PUNCTUATION = set("“”‘’…—·※")


def display_width(text: str) -> int:
    return sum(_char_width(ch) for ch in text)


def fill(text: str, width: int = WIDTH) -> str:
    """Wrap every line of `text` that is wider than `width`; shorter lines are kept as they are."""
    lines = []
    for line in text.split("\n"):
        lines.extend(wrap(line, width))
    return "\n".join(lines)


def wrap(line: str, width: int = WIDTH) -> list[str]:
    line = line.rstrip()
    if display_width(line) <= width:
        return [line]
    prefix = _HANGING.match(line).group(0)
    indent = " " * display_width(prefix)
    lines, current, space = [], prefix, False
    for piece in _pieces(line[len(prefix):]):
        if piece.isspace():
            space = True
            continue
        gap = " " if space and current.strip() else ""
        if current.strip() and display_width(current + gap + piece) > width:
            lines.append(current.rstrip())
            current, gap = indent, ""
        current += gap + piece
        space = False
    lines.append(current.rstrip())
    return lines


def _pieces(text: str) -> list[str]:
    """Runs that must stay on one line: a Latin word, one wide character, white space.

    Punctuation is glued to its neighbour so that it never starts or ends a line.
    """
    pieces: list[str] = []
    for ch in _PIECE.findall(text):
        previous = pieces[-1] if pieces else ""
        if ch.isspace() or not previous or previous[-1].isspace():
            pieces.append(ch)
        elif ch in _NO_LINE_START or previous[-1] in _NO_LINE_END or _both_narrow(previous[-1], ch):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def _both_narrow(left: str, right: str) -> bool:
    """Two narrow characters in a row belong to one Latin word, number or URL."""
    return _char_width(left) == 1 and _char_width(right) == 1


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d":
        return 0
    if ch in _WIDE_PUNCTUATION:
        return 2
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
