"""YAML front matter to typed values; every problem is reported, each with its line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from aireport.errors import ReportError
from aireport.report.characters import unusable
from aireport.report.images import cover_problem
from aireport.report.model import Cover, Person, Source, SourceImage
from aireport.report.problems import Problems
from aireport.report.softbreaks import unwrap
from aireport.report.source import SourceText
from aireport.report.urls import url_problem
from aireport.report.years import FIRST_YEAR, LAST_YEAR

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
TOP_KEYS = (
    "year", "title", "subtitle", "date", "updated", "language", "authors",
    "summary", "keywords", "sources", "cover", "draft",
)
SOURCE_KEYS = ("id", "title", "author", "publisher", "url", "credits", "image")
COVER_KEYS = ("image", "alt", "credit")
PERSON_KEYS = ("name", "role")
IMAGE_KEYS = ("url", "credit")
LANGUAGE_TAG = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")


@dataclass(frozen=True)
class FrontMatter:
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


def parse_front_matter(source: SourceText, problems: Problems) -> FrontMatter | None:
    """The typed front matter, or None when `problems` received errors."""
    data, lines, wrapped = _load_yaml(source)
    checker = _Checker(data, lines, wrapped, problems, source.path)
    before = len(problems.errors)
    result = checker.front_matter()
    return result if len(problems.errors) == before else None


class _Loader(yaml.SafeLoader):
    """The safe loader without aliases, and with impossible dates left as text.

    An alias repeats a value without repeating its text, so a few hundred bytes of
    nested aliases expand to gigabytes; front matter has no use for them. A date
    PyYAML cannot construct (2020-02-30, 25:00, a +24:00 offset) raises ValueError,
    which is not a YAMLError: as text, it gets the checker's message at its line.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed; write the value out", event.start_mark)
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _load_yaml(source: SourceText) -> tuple[dict, dict[tuple, int], dict[tuple, str]]:
    offset = 1  # the opening '---' line
    try:
        node, data = _compose_and_construct(source.front_matter)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + offset if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = _quoting_hint(source.front_matter, mark.line) if mark and "mapping values" in problem else ""
        raise ReportError(source.path, line, f"invalid YAML in front matter: {problem}{hint}", rule="yaml") from None
    except RecursionError:
        raise ReportError(source.path, 1, "front matter is nested too deeply", rule="yaml") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value the safe constructors cannot build
        raise ReportError(source.path, 1, f"invalid YAML in front matter: {exc}", rule="yaml") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ReportError(source.path, 2, "front matter must be a mapping of 'key: value' lines",
                          rule="front-matter")
    lines: dict[tuple, int] = {}
    _record_lines(node, (), lines, offset)
    return data, lines, _wrapped_scalars(node, source.front_matter)


def _compose_and_construct(text: str):
    """The node graph (for line numbers) and the values built from it, parsed once."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


PLAIN_VALUE = re.compile(r"^(\s*(?:-\s+)?[A-Za-z_][\w-]*):\s+([^\s\"'|>&*!%@`{\[].*?)\s*$")


def _quoting_hint(front_matter: str, index: int) -> str:
    """A colon inside a plain value ("subtitle: 大模型: 芯片") ends YAML's patience: say to quote it."""
    lines = front_matter.split("\n")
    match = PLAIN_VALUE.match(lines[index]) if index < len(lines) else None
    if not match:
        return ""
    value = match.group(2).replace("\\", "\\\\").replace('"', '\\"')
    return f'; put the value in quotes: {match.group(1).strip()}: "{value}"'


def _record_lines(node, path: tuple, lines: dict[tuple, int], offset: int, depth: int = 0) -> None:
    if node is None or depth > 8:
        return
    lines[path] = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = path + (getattr(key, "value", None),)
            _record_lines(value, child, lines, offset, depth + 1)
            lines[child] = key.start_mark.line + 1 + offset
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _record_lines(value, path + (index,), lines, offset, depth + 1)


def _wrapped_scalars(node, text: str, path: tuple = (), depth: int = 0) -> dict[tuple, str]:
    """The source lines of every plain or folded scalar written over several lines.

    YAML folds such a scalar's line breaks into spaces, which would put a space
    between two Chinese characters; `unwrap` joins the lines the Chinese way instead.
    """
    found: dict[tuple, str] = {}
    if isinstance(node, yaml.ScalarNode) and node.style in (None, ">"):
        if node.start_mark.line != node.end_mark.line:
            raw = text[node.start_mark.index:node.end_mark.index]
            found[path] = raw.split("\n", 1)[1] if node.style == ">" else raw
    elif isinstance(node, yaml.MappingNode) and depth < 8:
        for key, value in node.value:
            found.update(_wrapped_scalars(value, text, path + (getattr(key, "value", None),), depth + 1))
    elif isinstance(node, yaml.SequenceNode) and depth < 8:
        for index, value in enumerate(node.value):
            found.update(_wrapped_scalars(value, text, path + (index,), depth + 1))
    return found


class _Checker:
    def __init__(self, data: dict, lines: dict[tuple, int], wrapped: dict[tuple, str],
                 problems: Problems, path: Path) -> None:
        self.data = data
        self.lines = lines
        self.wrapped = wrapped
        self.problems = problems
        self.path = path

    def line(self, path: tuple) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 2)

    def error(self, path: tuple, message: str) -> None:
        self.problems.error(self.line(path), message, rule="front-matter")

    def unknown_keys(self, mapping: dict, allowed: tuple[str, ...], path: tuple, where: str) -> None:
        for key in mapping:
            if key in allowed:
                continue
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(allowed)}"
            self.error(path + (key,), f"unknown key '{key}' in {where}{suggestion}")

    def text(self, mapping: dict, key: str, path: tuple, required: bool, one_line: bool = True) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.error(path, f"missing required key '{key}'")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(path + (key,), f"'{key}' must be non-empty text")
            return None
        if not self.usable(value.strip().replace("\n", " "), path + (key,), key, one_line):
            return None  # line breaks are joined below; any other control or bidi character is refused
        joined = unwrap(self.wrapped.get(path + (key,), value))
        if one_line and "\n" in joined:
            self.error(path + (key,), f"'{key}' holds a blank line; write it as one line of plain text")
            return None
        return joined

    def usable(self, value: str, path: tuple, key: str, one_line: bool = True) -> bool:
        """Whether every edition can carry `value`: the e-mail's headers and the feeds' XML cannot carry all."""
        bad = unusable(value, one_line)
        if bad:
            kind = "a line break, tab, control or bidi character" if one_line else "a control character"
            self.error(path, f"'{key}' holds {kind} ({bad}); write it as one line of plain text"
                       if one_line else f"'{key}' holds {kind} ({bad}); remove it")
        return bad is None

    def front_matter(self) -> FrontMatter | None:
        data = self.data
        self.unknown_keys(data, TOP_KEYS, (), "front matter")
        year = self.year()
        title = self.text(data, "title", (), required=True)
        subtitle = self.text(data, "subtitle", (), required=False)
        published = self.when("date", required=True)
        updated = self.when("updated", required=False) or published
        if published and updated and updated < published:
            self.error(("updated",), "'updated' is earlier than 'date'")
        if published and year and published.year < year:
            self.problems.error(self.line(("date",)), f"'date' {published.date()} is earlier than the report's "
                                f"year {year}; 'date' is the day this edition is published: set it to that day", rule="date")
        language = self.language()
        authors = self.people(data.get("authors"), ("authors",), required=True)
        summary = self.summary()
        keywords = self.keywords()
        sources = self.sources()
        cover = self.cover()
        draft = data.get("draft", False)
        if not isinstance(draft, bool):
            self.error(("draft",), "'draft' must be true or false")
        if None in (year, title, published, summary, sources) or not authors:
            return None
        return FrontMatter(
            year=year, title=title, subtitle=subtitle, date=published, updated=updated,
            language=language, authors=authors, summary=summary, keywords=keywords,
            sources=sources, cover=cover, draft=bool(draft),
        )

    def year(self) -> int | None:
        value = self.data.get("year")
        if value is None:
            self.error((), "missing required key 'year'")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not FIRST_YEAR <= value <= LAST_YEAR:
            self.error(("year",), f"'year' must be a four-digit year, not {value!r}")
            return None
        if self.path.stem != str(value):
            self.error(("year",), f"year {value} does not match the file name {self.path.name}; "
                       f"rename the file to {value}.md or fix the year")
        return value

    def when(self, key: str, required: bool) -> datetime | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error((), f"missing required key '{key}' (the publication date, YYYY-MM-DD)")
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=CHINA_STANDARD_TIME)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=CHINA_STANDARD_TIME)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_STANDARD_TIME)
        self.error((key,), f"'{key}' must be a date such as 2021-01-08, not {value!r}")
        return None

    def language(self) -> str:
        value = self.data.get("language", "zh-CN")
        if not isinstance(value, str) or not LANGUAGE_TAG.fullmatch(value):
            self.error(("language",), f"'language' must be a language tag such as zh-CN, not {value!r}")
            return "zh-CN"
        return value

    def summary(self) -> str | None:
        value = self.text(self.data, "summary", (), required=True, one_line=False)
        if value and "\n\n" in value:
            self.error(("summary",), "'summary' must be one paragraph (no blank lines)")
        return value

    def keywords(self) -> tuple[str, ...]:
        value = self.data.get("keywords", [])
        if not isinstance(value, list) or not all(isinstance(k, (str, int, float)) for k in value):
            self.error(("keywords",), "'keywords' must be a list of words")
            return ()
        words = tuple(str(k) for k in value)
        return words if all(self.usable(word, ("keywords", i), "keywords") for i, word in enumerate(words)) else ()

    def people(self, value: Any, path: tuple, required: bool) -> tuple[Person, ...]:
        if value is None:
            if required:
                self.error(path[:-1], f"missing required key '{path[-1]}'")
            return ()
        if not isinstance(value, list) or (required and not value):
            self.error(path, f"'{path[-1]}' must be a list of names")
            return ()
        people = []
        for index, entry in enumerate(value):
            where = path + (index,)
            if isinstance(entry, str) and entry.strip():
                if self.usable(entry.strip(), where, path[-1]):
                    people.append(Person(entry.strip()))
            elif isinstance(entry, dict):
                self.unknown_keys(entry, PERSON_KEYS, where, f"{path[-1]} entry")
                name = self.text(entry, "name", where, required=True)
                role = self.text(entry, "role", where, required=False)
                if name:
                    people.append(Person(name, role))
            else:
                self.error(where, f"each entry of '{path[-1]}' must be a name or 'name:' and 'role:'")
        return tuple(people)

    def sources(self) -> tuple[Source, ...] | None:
        value = self.data.get("sources")
        if value is None:
            self.error((), "missing required key 'sources' (title, author and URL of each source)")
            return None
        if not isinstance(value, list) or not value:
            self.error(("sources",), "'sources' must be a list with at least one source")
            return None
        sources, seen = [], set()
        for index, entry in enumerate(value):
            source = self.source(entry, ("sources", index))
            if source is None:
                continue
            if source.id in seen:
                self.error(("sources", index, "id"), f"source id '{source.id}' is used twice")
            seen.add(source.id)
            sources.append(source)
        return tuple(sources) if len(sources) == len(value) else None

    def source(self, entry: Any, path: tuple) -> Source | None:
        if not isinstance(entry, dict):
            self.error(path, "each source must be a mapping with 'id' and 'title'")
            return None
        self.unknown_keys(entry, SOURCE_KEYS, path, "source")
        source_id = self.text(entry, "id", path, required=True)
        if source_id and not re.fullmatch(r"[A-Za-z0-9_-]+", source_id):
            self.error(path + ("id",), "source 'id' may hold only letters, digits, '-' and '_'")
        title = self.text(entry, "title", path, required=True)
        url = self.url(entry, "url", path)
        image = self.source_image(entry.get("image"), path + ("image",))
        credits = self.people(entry.get("credits"), path + ("credits",), required=False)
        if not (source_id and title):
            return None
        return Source(
            id=source_id, title=title, author=self.text(entry, "author", path, required=False),
            publisher=self.text(entry, "publisher", path, required=False), url=url,
            credits=credits, image=image,
        )

    def source_image(self, value: Any, path: tuple) -> SourceImage | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(path, "'image' must be a mapping with 'url' and 'credit'")
            return None
        self.unknown_keys(value, IMAGE_KEYS, path, "image")
        url = self.url(value, "url", path)
        if url is None:
            if "url" not in value:
                self.error(path, "missing required key 'url'")
            return None
        return SourceImage(url, self.text(value, "credit", path, required=False))

    def url(self, mapping: dict, key: str, path: tuple) -> str | None:
        value = self.text(mapping, key, path, required=False)
        if value is None:
            return None
        problem = url_problem(value)
        if problem:
            self.error(path + (key,), problem)
            return None
        return value

    def cover(self) -> Cover | None:
        value = self.data.get("cover")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(("cover",), "'cover' must be a mapping with 'image', 'alt' and 'credit'")
            return None
        self.unknown_keys(value, COVER_KEYS, ("cover",), "cover")
        image = self.text(value, "image", ("cover",), required=True)
        alt = self.text(value, "alt", ("cover",), required=True)
        credit = self.text(value, "credit", ("cover",), required=False)
        if not image or not alt:
            return None
        path = self.local_image(image)
        return Cover(path, alt, credit) if path else None

    def local_image(self, image: str) -> Path | None:
        folder = self.path.parent.resolve()
        if "://" in image or image.startswith(("/", "\\")):
            self.error(("cover", "image"), "the cover image must be a file beside the report "
                       "(a path such as images/cover.jpg), not a URL or an absolute path")
            return None
        try:
            target = (folder / image).resolve()
        except (OSError, RuntimeError, ValueError):  # a link that loops, a NUL in the name
            self.error(("cover", "image"), f"the cover image '{image}' cannot be found (a link that loops?)")
            return None
        if not target.is_relative_to(folder):
            self.error(("cover", "image"), f"the cover image '{image}' lies outside {folder.name}/; "
                       "keep images beside the report")
            return None
        if not target.is_file():
            what = "is not a regular file" if target.exists() else "does not exist"
            self.error(("cover", "image"), f"the cover image '{image}' {what}")
            return None
        if problem := cover_problem(target):
            self.error(("cover", "image"), f"the cover image '{image}' {problem}")
            return None
        return target

