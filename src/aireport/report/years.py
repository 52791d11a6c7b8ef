"""What counts as a year, in one place: on the command line, in file names and in front matter."""

from __future__ import annotations

import re

FIRST_YEAR, LAST_YEAR = 1900, 2999
# ASCII digits only: \d and str.isdigit() also take ２０２０, ٢٠٢٠ and superscripts.
FOUR_DIGITS = re.compile(r"[0-9]{4}")


def parse_year(text: str) -> int:
    """The year `text` names, or ValueError saying what a year looks like."""
    if not FOUR_DIGITS.fullmatch(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise ValueError(f"'{text}' is not a year; give a four-digit year from {FIRST_YEAR} to {LAST_YEAR} "
                         "such as 2020")
    return int(text)


def is_year(text: str) -> bool:
    try:
        parse_year(text)
    except ValueError:
        return False
    return True
