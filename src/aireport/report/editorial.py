"""The editor's rules that `aireport check` adds to the loader's: the text is finished and in house style.

They look at what a build need not refuse: placeholder text left from the
template, a publication date earlier than an event the text describes, and
the house style. A preview of a draft still builds while they complain.
"""

from __future__ import annotations

import re

from aireport.report.housestyle import check_house_style
from aireport.report.lint import INLINE_LINK, URL, body_lines
from aireport.report.model import Report
from aireport.report.placeholders import check_placeholders
from aireport.report.problems import Problems
from aireport.report.years import events

DATE_KEY = re.compile(r"^date\s*:")


def editorial_problems(report: Report | None, text: str, placeholders: tuple[str, ...]) -> Problems:
    problems = Problems()
    check_placeholders(text, placeholders, problems)
    if report is not None:
        check_date_against_events(report, text, problems)
    check_house_style(text, problems)
    return problems


def check_date_against_events(report: Report, text: str, problems: Problems) -> None:
    """The publication date may not precede what the report tells as done (forecasts aside)."""
    date_line = next((n for n, line in enumerate(text.split("\n"), 1) if DATE_KEY.match(line)), 1)
    published = report.date
    for number, line in body_lines(text):
        happened = [e for e in events(number, URL.sub("", INLINE_LINK.sub("", line)))
                    if published < e.starts(published.tzinfo)]
        if happened:
            latest = max(happened, key=lambda e: (e.year, e.month or 0))
            problems.error(number, f"'date' {published.date()} (line {date_line}) is earlier than {latest.label}, "
                           "which this line tells as done; set 'date' to when this edition is published",
                           rule="date")
