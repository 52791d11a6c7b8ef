"""The report body: sections (##), topics (###), items, links, each with its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aireport.report.markup import Renderer
from aireport.report.model import Item, Link, Section, Source, Text, Topic
from aireport.report.problems import Problems
from aireport.report.softbreaks import unwrap
from aireport.report.urls import url_problem

# The closing '#'s are removed in code: `(.*?)\s*#*\s*$` backtracks in cubic time on a run of spaces.
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
ATTRIBUTES = re.compile(r"(?<!\s)\s*\{:?\s*([^{}]*)\}\s*$")  # starts only where a run of spaces does
LIST_ITEM = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])( +|$)(.*)$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
LABEL = re.compile(r"^\*\*(?P<a>[^*]+?)\*\*\s*[：:]\s*(?P<rest>.*)$|^\*\*(?P<b>[^*]+?)[：:]\*\*\s*(?P<rest2>.*)$", re.S)
LINK_ONLY = re.compile(r"^\[(?P<title>[^\]]*)\]\((?P<url>[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\)$|^<(?P<auto>[a-z][a-z0-9+.-]*:[^>\s]+)>$|^(?P<bare>https?://\S+)$", re.I)
RANK = re.compile(r"^No\.?\s*(\d{1,3})\s*[:：.、]?\s*(.*)$", re.I)
ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
KIND_CLASSES = {"editors-note": "editors-note", "ranked": "ranked", "summary": "summary"}
KIND_ANCHORS = {"editors-note": "editors-note", "ranked": "ranked", "summary": "summary"}
VIDEO_HOSTS = ("youtube.com", "youtu.be", "bilibili.com", "b23.tv", "vimeo.com")
PAPER_HOSTS = ("arxiv.org", "doi.org", "nature.com", "science.org", "acm.org", "ieee.org", "openreview.net")
IMAGE_ENDINGS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg")
KIND_NAMES = {"video": "视频", "image": "配图", "paper": "论文", "article": "文章"}
MAX_DEPTH = 6


@dataclass
class Line:
    number: int
    text: str


@dataclass
class RawItem:
    line: int
    text: str
    content_indent: int
    rest: list[Line] = field(default_factory=list)


@dataclass
class Heading:
    level: int
    title: str
    classes: list[str]
    anchor: str | None
    options: dict[str, str]
    line: int


@dataclass
class Block:
    """A heading's content: what lies between it and the next heading."""

    heading: Heading
    lines: list[Line] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)


def parse_body(
    lines: list[Line], sources: tuple[Source, ...] | None, renderer: Renderer, problems: Problems
) -> tuple[Section, ...]:
    blocks = _outline(lines, problems)
    parser = _SectionParser(sources, renderer, problems)
    return tuple(section for block in blocks if (section := parser.section(block)))


def _outline(lines: list[Line], problems: Problems) -> list[Block]:
    """Group lines under ## and ### headings, leaving fenced code alone."""
    sections: list[Block] = []
    fence: str | None = None
    for line in lines:
        match = None if fence else HEADING.match(line.text)
        fence_match = FENCE.match(line.text)
        if fence_match:
            marker = fence_match.group(1)[0]
            fence = None if fence == marker else (fence or marker)
        if match:
            heading = _heading(match, line.number, problems)
            if heading.level == 2:
                sections.append(Block(heading))
                continue
            if heading.level == 3 and sections:
                sections[-1].children.append(Block(heading))
                continue
            if heading.level == 1:
                problems.error(line.number, "a report has no '#' headings: the title is in the "
                               "front matter; use '##' for sections")
            elif heading.level > 3:
                problems.error(line.number, f"'{'#' * heading.level}' headings are not part of the "
                               "format; use a labelled item ('- **标签**：…') instead")
            elif not sections:
                problems.error(line.number, "a topic ('###') must stand inside a section ('##')")
            continue
        if not sections:
            if line.text.strip():
                problems.error(line.number, "text before the first section; start the body with a "
                               "'## ' heading")
            continue
        target = sections[-1].children[-1] if sections[-1].children else sections[-1]
        target.lines.append(line)
    return sections


def _heading(match: re.Match, number: int, problems: Problems) -> Heading:
    title = match.group(2).rstrip()
    if title.endswith("#"):  # a closing sequence: '## 标题 ##'
        title = title.rstrip("#").rstrip()
    classes: list[str] = []
    anchor = None
    options: dict[str, str] = {}
    attributes = ATTRIBUTES.search(title)
    if attributes:
        title = title[: attributes.start()].strip()
        for token in attributes.group(1).split():
            if token.startswith("."):
                classes.append(token[1:])
            elif token.startswith("#"):
                anchor = token[1:]
                if not ANCHOR.fullmatch(anchor):
                    problems.error(number, f"anchor '#{anchor}' must start with a letter and hold "
                                   "only letters, digits, '-' and '_'")
                    anchor = None
            elif "=" in token:
                key, _, value = token.partition("=")
                options[key] = value.strip("'\"")
            else:
                problems.error(number, f"cannot read '{token}' in the heading's {{…}}; use .class, "
                               "#anchor or key=value")
    return Heading(len(match.group(1)), title, classes, anchor, options, number)


class _SectionParser:
    def __init__(self, sources: tuple[Source, ...] | None, renderer: Renderer, problems: Problems):
        self.sources = {s.id: s for s in sources} if sources is not None else None
        self.default_source = sources[0] if sources else None
        self.renderer = renderer
        self.problems = problems
        self.chapter_count = 0
        self.kinds_seen: dict[str, int] = {}
        self.anchors_seen: dict[str, int] = {}

    def section(self, block: Block) -> Section | None:
        heading = block.heading
        kind = self.kind(heading)
        if not heading.title:
            self.problems.error(heading.line, "a section heading needs a title")
        number = None
        if kind == "chapter":
            self.chapter_count += 1
            number = self.chapter_count
            if re.match(r"^\d{1,2}\s", heading.title):
                self.problems.warning(heading.line, "chapter numbers are added automatically; "
                                      "drop the number from the heading")
        default_anchor = f"chapter-{number}" if number else KIND_ANCHORS[kind]
        anchor = self.anchor(heading, default_anchor)
        paragraphs, items, links = self.content(block.lines)
        if links:
            self.problems.error(links[0].line, "links belong to a topic ('###'), not directly to a section")
        topics = tuple(self.topic(child, anchor, kind, index) for index, child in enumerate(block.children, 1))
        if kind in ("editors-note", "summary") and topics:
            self.problems.error(topics[0].line, f"the {_kind_name(kind)} holds paragraphs and items, not topics")
        if kind in ("chapter", "ranked") and not topics:
            self.problems.error(heading.line, f"empty {_kind_name(kind)} '{heading.title}': add topics ('### …')")
        elif not (paragraphs or items or topics):
            self.problems.error(heading.line, f"empty {_kind_name(kind)} '{heading.title}'")
        return Section(
            kind=kind, title=heading.title, anchor=anchor, number=number,
            source=self.source(heading), paragraphs=paragraphs, items=items, topics=topics,
            line=heading.line,
        )

    def kind(self, heading: Heading) -> str:
        kinds = [KIND_CLASSES[c] for c in heading.classes if c in KIND_CLASSES]
        for unknown in (c for c in heading.classes if c not in KIND_CLASSES):
            self.problems.error(heading.line, f"unknown section class '.{unknown}'; use "
                                ".editors-note, .ranked or .summary")
        if len(kinds) > 1:
            self.problems.error(heading.line, "a section can be only one of .editors-note, .ranked, .summary")
        kind = kinds[0] if kinds else "chapter"
        if kind != "chapter":
            if kind in self.kinds_seen:
                self.problems.error(heading.line, f"a second {_kind_name(kind)}; the first is at line "
                                    f"{self.kinds_seen[kind]}")
            self.kinds_seen.setdefault(kind, heading.line)
        return kind

    def anchor(self, heading: Heading, default: str) -> str:
        """The heading's anchor; generated ones are made unique, chosen ones must be."""
        anchor = heading.anchor or default
        if anchor in self.anchors_seen and heading.anchor:
            self.problems.error(heading.line, f"anchor '#{anchor}' is already used at line "
                                f"{self.anchors_seen[anchor]}")
        suffix = 1
        while anchor in self.anchors_seen and not heading.anchor:
            suffix += 1
            anchor = f"{default}-{suffix}"
        self.anchors_seen.setdefault(anchor, heading.line)
        return anchor

    def source(self, heading: Heading) -> Source | None:
        for key in sorted(set(heading.options) - {"source"}):
            self.problems.error(heading.line, f"unknown heading option '{key}='; only source= is allowed")
        wanted = heading.options.get("source")
        if wanted is None or self.sources is None:
            return self.default_source
        if wanted not in self.sources:
            known = ", ".join(self.sources) or "none"
            self.problems.error(heading.line, f"source={wanted} names no source in the front matter "
                                f"(known: {known})")
            return self.default_source
        return self.sources[wanted]

    def topic(self, block: Block, section_anchor: str, kind: str, index: int) -> Topic:
        heading = block.heading
        title, rank = heading.title, None
        if kind == "ranked":
            match = RANK.match(title)
            if match:
                rank, title = int(match.group(1)), match.group(2).strip()
            else:
                self.problems.error(heading.line, f"a ranked entry's title must start with 'No.N' "
                                    f"(such as 'No.10 {title}')")
        if not title:
            self.problems.error(heading.line, "a topic heading needs a title")
        default = f"no-{rank}" if rank is not None else f"{section_anchor}-{index}"
        anchor = self.anchor(heading, default)
        paragraphs, items, links = self.content(block.lines, topic=True)
        if not (paragraphs or items or links):
            self.problems.error(heading.line, f"empty topic '{title}': add its items or text")
        return Topic(
            title=title, anchor=anchor, paragraphs=paragraphs, items=items, links=links,
            rank=rank, source=self.source(heading) if "source" in heading.options else None,
            line=heading.line,
        )

    def content(self, lines: list[Line], topic: bool = False):
        paragraphs: list[Text] = []
        items: list[Item] = []
        links: list[Link] = []
        for kind, payload in _blocks(lines):
            if kind == "paragraph":
                paragraphs.append(self.renderer.block("\n".join(line.text for line in payload)))
                self.text_problems(payload[0].number)
                continue
            for raw in payload:
                link = _link(raw) if topic else None
                if link:
                    self.check_url(link)
                    links.append(link)
                else:
                    items.append(self.item(raw, depth=1))
        return tuple(paragraphs), tuple(items), tuple(links)

    def check_url(self, link: Link) -> None:
        problem = url_problem(link.url)
        if problem:
            self.problems.error(link.line, problem, rule="url")

    def item(self, raw: RawItem, depth: int) -> Item:
        text, points = raw.text, ()
        nested, extra = _split_rest(raw.rest)
        if extra:
            text = "\n".join([text, *extra]).strip()
        if nested and depth >= MAX_DEPTH:
            self.problems.error(raw.line, f"sub-points nest deeper than {MAX_DEPTH} levels")
        elif nested:
            points = tuple(self.item(child, depth + 1) for child in _parse_list(nested))
        label, body = _label(text)
        if label is not None and not label.strip():
            self.problems.error(raw.line, "an item's label is empty")
        if not body and not points:
            what = f"item '{label}'" if label else "list item"
            self.problems.error(raw.line, f"empty {what}: add its text or sub-points")
        rendered = self.renderer.inline(body) if body else None
        self.text_problems(raw.line)
        return Item(label=unwrap(label) if label else None, body=rendered, points=points, line=raw.line)

    def text_problems(self, line: int) -> None:
        """What the renderer could not keep of the text just rendered (a relative link, deep nesting)."""
        for message in dict.fromkeys(self.renderer.problems):
            self.problems.error(line, message)
        self.renderer.problems.clear()


def _kind_name(kind: str) -> str:
    return {"chapter": "chapter", "editors-note": "editor's note", "ranked": "ranked list",
            "summary": "summary"}[kind]


def _blocks(lines: list[Line]):
    """Split content lines into paragraph blocks and lists, in order."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.text.strip():
            index += 1
            continue
        start = index
        if LIST_ITEM.match(line.text):
            index = _list_end(lines, index)
            yield "list", _parse_list(lines[start:index])
        else:
            index = _paragraph_end(lines, index)
            yield "paragraph", lines[start:index]


def _paragraph_end(lines: list[Line], index: int) -> int:
    fence = FENCE.match(lines[index].text)
    if fence:
        marker = fence.group(1)
        index += 1
        while index < len(lines) and not lines[index].text.strip().startswith(marker):
            index += 1
        return min(index + 1, len(lines))
    while index < len(lines) and lines[index].text.strip() and not (
        LIST_ITEM.match(lines[index].text) and not lines[index].text.startswith("    ")
    ):
        index += 1
    return index


def _list_end(lines: list[Line], index: int) -> int:
    """A list runs until a blank line followed by unindented, non-list text."""
    index += 1
    while index < len(lines):
        if not lines[index].text.strip():
            blank = index
            while index < len(lines) and not lines[index].text.strip():  # each blank line is looked at once
                index += 1
            following = lines[index].text if index < len(lines) else None
            if following is None or (not following.startswith(" ") and not LIST_ITEM.match(following)):
                return blank
        index += 1
    return index


def _parse_list(lines: list[Line]) -> list[RawItem]:
    items: list[RawItem] = []
    for line in lines:
        if not line.text.strip():
            if items:
                items[-1].rest.append(line)
            continue
        indent = len(line.text) - len(line.text.lstrip(" "))
        match = LIST_ITEM.match(line.text)
        if match and (not items or indent < items[-1].content_indent):
            content_indent = indent + len(match.group(2)) + max(1, len(match.group(3)))
            items.append(RawItem(line.number, match.group(4).strip(), content_indent))
        elif items and not items[-1].rest and not match:
            items[-1].text += "\n" + line.text.strip()
        elif items:
            cut = min(indent, items[-1].content_indent)
            items[-1].rest.append(Line(line.number, line.text[cut:]))
    return items


def _split_rest(rest: list[Line]) -> tuple[list[Line], list[str]]:
    """An item's later lines: nested list lines, and any text before them."""
    extra: list[str] = []
    for index, line in enumerate(rest):
        if LIST_ITEM.match(line.text):
            return rest[index:], extra
        if line.text.strip():
            extra.append(line.text.strip())
    return [], extra


def _label(text: str) -> tuple[str | None, str]:
    match = LABEL.match(text)
    if not match:
        return None, text
    label = match.group("a") if match.group("a") is not None else match.group("b")
    rest = match.group("rest") if match.group("a") is not None else match.group("rest2")
    return label, (rest or "").strip()


def _link(raw: RawItem) -> Link | None:
    if raw.rest:
        return None
    match = LINK_ONLY.match(raw.text.strip())
    if not match:
        return None
    url = match.group("url") or match.group("auto") or match.group("bare")
    kind = link_kind(url)
    title = unwrap(match.group("title") or "") or default_title(url, kind)
    return Link(url=url, title=title, kind=kind, line=raw.line)


def _parts(url: str):
    """The URL's parts, or those of no URL when it is malformed (check reports it)."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def link_kind(url: str) -> str:
    parts = _parts(url)
    host = (parts.hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in VIDEO_HOSTS):
        return "video"
    if parts.path.lower().endswith(IMAGE_ENDINGS) or parts.query.lower().endswith(IMAGE_ENDINGS):
        return "image"
    if any(host == h or host.endswith("." + h) for h in PAPER_HOSTS):
        return "paper"
    return "article"


def default_title(url: str, kind: str) -> str:
    host = (_parts(url).hostname or url).removeprefix("www.")
    return f"{KIND_NAMES[kind]} · {host}"
