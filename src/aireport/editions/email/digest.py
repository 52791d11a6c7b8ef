"""A short digest of a report: each topic with the first sentence of its key items.

The HTML and the plain-text e-mail both render this one digest, so the two
always say the same thing and link to the same places on the web page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aireport.report.model import Item, Report, Section, Topic
from aireport.editions.site import Site

POINT_LIMIT = 110  # characters; a first sentence longer than this is cut
ELLIPSIS = "……"
_SENTENCE_END = re.compile(r"[。！？]|[.!?](?=\s|$)")
_CLAUSE_END = re.compile(r"[，；、：,;]")


@dataclass(frozen=True)
class Point:
    label: str | None
    text: str  # plain text, at most one sentence


@dataclass(frozen=True)
class Entry:
    """One topic or ranked entry, linking to its place on the web page."""

    title: str
    url: str
    rank: int | None
    points: tuple[Point, ...]
    note: int  # its footnote number in the plain-text e-mail


@dataclass(frozen=True)
class Part:
    """One chapter or the ranked list."""

    kind: str
    label: str
    number: int | None
    title: str
    url: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Digest:
    report: Report
    page_url: str
    pdf_url: str
    parts: tuple[Part, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for part in self.parts for entry in part.entries)


def make_digest(report: Report, site: Site) -> Digest:
    page_url = site.page_url(report.year)
    shown = [s for s in report.sections if s.kind in ("chapter", "ranked") and s.topics]
    parts, note = [], 1
    for section in shown:
        entries = tuple(_entry(topic, page_url, note + i) for i, topic in enumerate(section.topics))
        parts.append(_part(section, page_url, entries))
        note += len(entries)
    return Digest(report, page_url, site.pdf_url(report.year), tuple(parts))


def first_sentence(text: str, limit: int = POINT_LIMIT) -> str:
    """The first sentence of `text`, cut at a clause boundary when it runs past `limit`."""
    text = text.strip().split("\n", 1)[0].strip()
    end = _SENTENCE_END.search(text)
    sentence = text[: end.end()] if end else text
    if len(sentence) <= limit:
        return sentence
    clauses = [m.start() for m in _CLAUSE_END.finditer(sentence, 0, limit)]
    cut = clauses[-1] if clauses and clauses[-1] >= limit // 2 else limit
    return sentence[:cut].rstrip() + ELLIPSIS


def _part(section: Section, page_url: str, entries: tuple[Entry, ...]) -> Part:
    return Part(section.kind, section.label, section.number, section.title,
                f"{page_url}#{section.anchor}", entries)


def _entry(topic: Topic, page_url: str, note: int) -> Entry:
    points = tuple(p for p in (_point(item) for item in topic.items) if p.text or p.label)
    if not points and topic.paragraphs:
        points = (Point(None, first_sentence(topic.paragraphs[0].plain)),)
    return Entry(topic.title, f"{page_url}#{topic.anchor}", topic.rank, points, note)


def _point(item: Item) -> Point:
    """An item's label with the first sentence of its text (or of its first sub-point)."""
    source = item
    while source.body is None and source.points:
        source = source.points[0]
    text = first_sentence(source.body.plain) if source.body else ""
    return Point(item.label, text)
