"""Years: what counts as one, and the years in a report's text.

What counts as a year is decided here only, for the command line, file names
and front matter alike: four ASCII digits from 1900 to 2999 (`parse_year`).

Years in the text: which are mentioned, which are events, and which the editor
acknowledged. Two rules read them: the other-year warning (a year other than the
report's, unless acknowledged on its line with `<!-- aireport: allow year 1987 -->`)
and the date rule (the publication date may not precede an event the text
describes; a forecast such as "预计到 2025 年" is no event).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

FIRST_YEAR, LAST_YEAR = 1900, 2999
# ASCII digits only: \d and str.isdigit() also take ２０２０, ٢٠٢٠ and superscripts.
FOUR_DIGITS = re.compile(r"[0-9]{4}")

FULL_YEAR = re.compile(r"(?<![\d.])(19\d\d|20\d\d)(?![\d%亿万])")
# "22 年" for 2022, but not "近 10 年", "过去 20 年" or "10 年来" (with or without the space house style puts there)
SHORT_YEAR = re.compile(r"(?<![\d.近数几多过去这前后每第])(?<![近数几多过去这前后每第]\s)([0-3]\d)\s*年(?![来代间内前后度])")
# A year as a point in time: "2023 年", "2023 年 5 月", or the first year of "2021-2023 年".
DATED_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?:\s*年(?:\s*(\d{1,2})\s*月)?|(?=\s*[-–—~～至到]\s*(?:19|20)\d\d\s*年))")
ALLOW = re.compile(r"<!--\s*aireport:\s*allow\s+years?\s+([^>]*?)\s*-->")
COMMENT = re.compile(r"<!--.*?-->")
CLAUSE_END = re.compile(r"[。；！？，,;!?：:]")
# Words before a year, in its clause, that make it a plan or a forecast rather than an event.
FORECAST_BEFORE = re.compile(r"预计|预测|预期|有望|计划|将在|将于|将会|或将|目标|(?<!截)[到至]了?\s*$")
FORECAST_AFTER = re.compile(r"^\s*(?:\d{1,2}\s*月)?\s*(?:(?:以|之)?前(?![几一二三两\d])|将|会|有望|预计)")


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


@dataclass(frozen=True)
class YearMention:
    """A year (and month) the text says something happened in."""

    line: int
    year: int
    month: int | None

    def starts(self, timezone) -> datetime:
        return datetime(self.year, self.month or 1, 1, tzinfo=timezone)

    @property
    def label(self) -> str:
        return f"{self.year} 年 {self.month} 月" if self.month else f"{self.year} 年"


def allowed_years(line: str) -> set[int]:
    """The years acknowledged on this line by `<!-- aireport: allow year 1987, 2023 -->`."""
    years: set[int] = set()
    for match in ALLOW.finditer(line):
        years |= {int(y) for y in re.findall(r"\d{4}", match.group(1))}
    return years


def mentioned_years(text: str) -> set[int]:
    """Every year the line mentions ("2023", "22 年"), comments left out."""
    text = COMMENT.sub("", text)
    found = {int(m) for m in FULL_YEAR.findall(text)}
    return found | {2000 + int(m) for m in SHORT_YEAR.findall(text)}


def events(number: int, text: str) -> list[YearMention]:
    """The dated events of one line: years followed by 年, less forecasts and plans."""
    text = COMMENT.sub("", text)
    found = []
    for match in DATED_YEAR.finditer(text):
        if _is_forecast(text, match.start(), match.end()):
            continue
        month = int(match.group(2)) if match.group(2) else None
        found.append(YearMention(number, int(match.group(1)), month if month and 1 <= month <= 12 else None))
    return found


def _is_forecast(text: str, start: int, end: int) -> bool:
    before = CLAUSE_END.split(text[:start])[-1]
    after = CLAUSE_END.split(text[end:])[0]
    return bool(FORECAST_BEFORE.search(before) or FORECAST_AFTER.match(after))
