"""The typed report model. Templates and editions see only these objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from markupsafe import Markup


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None = None


@dataclass(frozen=True)
class SourceImage:
    url: str
    credit: str | None = None


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    credits: tuple[Person, ...] = ()
    image: SourceImage | None = None


@dataclass(frozen=True)
class Cover:
    path: Path
    alt: str
    credit: str | None = None


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    kind: str  # video, image, paper or article
    line: int = 0


@dataclass(frozen=True)
class Text:
    """A piece of report text, as sanitised HTML and as plain text."""

    html: Markup
    plain: str


@dataclass(frozen=True)
class Item:
    label: str | None
    body: Text | None
    points: tuple[Item, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Topic:
    title: str
    anchor: str
    paragraphs: tuple[Text, ...] = ()
    items: tuple[Item, ...] = ()
    links: tuple[Link, ...] = ()
    rank: int | None = None
    source: Source | None = None
    line: int = 0


SECTION_KINDS = ("chapter", "editors-note", "ranked", "summary")


@dataclass(frozen=True)
class Section:
    kind: str  # one of SECTION_KINDS
    title: str
    anchor: str
    number: int | None  # chapters only: 1, 2, ...
    source: Source | None
    paragraphs: tuple[Text, ...] = ()
    items: tuple[Item, ...] = ()
    topics: tuple[Topic, ...] = ()
    line: int = 0

    @property
    def label(self) -> str:
        """The heading as editions show it: chapters carry their number."""
        return f"{self.number:02d} {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Report:
    path: Path
    year: int
    title: str
    subtitle: str | None
    date: datetime
    updated: datetime
    language: str
    authors: tuple[Person, ...]
    summary: str
    keywords: tuple[str, ...]
    sources: tuple[Source, ...]
    cover: Cover | None
    draft: bool
    sections: tuple[Section, ...] = field(default=())
    digest: str = ""  # SHA-256 of the text these sections were read from, for the build cache

    @property
    def chapters(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == "chapter")

    @property
    def editors_note(self) -> Section | None:
        return self._single("editors-note")

    @property
    def ranked(self) -> Section | None:
        return self._single("ranked")

    @property
    def closing(self) -> Section | None:
        return self._single("summary")

    @property
    def links(self) -> tuple[Link, ...]:
        """Every link of every topic, in reading order."""
        return tuple(link for s in self.sections for t in s.topics for link in t.links)

    def _single(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)
