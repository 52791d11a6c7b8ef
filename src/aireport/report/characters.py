"""Characters no edition can carry: the XML of the feeds refuses them, a mail header would be
split by them, a terminal would act on them."""

from __future__ import annotations

import re

# C0 controls but TAB and LF, DEL and C1, surrogates, and the noncharacters.
_NONCHARACTERS = "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
UNUSABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")
# In a line of its own kind (a title, a name), line breaks, tabs and the characters that
# reorder text (which would make a mail subject or a feed title read other than it is written).
UNUSABLE_IN_A_LINE = re.compile(UNUSABLE.pattern[:-1] + "\t\n\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def unusable(text: str, one_line: bool = False) -> str | None:
    """The first character of `text` no edition can carry (as U+XXXX), or None."""
    match = (UNUSABLE_IN_A_LINE if one_line else UNUSABLE).search(text)
    return describe(match.group()) if match else None
