"""The timeline of the year: every dated event of the report on one time axis, grouped by chapter.

Three steps, each a plain function: `extract_events` reads the dates the text
gives ("2020 年 5 月", "7 月 20 日"), `lay_out` places them on a vertical axis
from January to December as a list of shapes, and `to_svg` writes those shapes
as SVG (raster.py draws the same shapes into a PNG for the e-mail). Nothing is
random or measured from installed fonts, so a report always draws the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from aireport.report.model import Item, Report, Section, Text

# A month, with the year and day where the text gives them: "2020 年 5 月 28 日", "5 月", "11月".
DATE = re.compile(r"(?:(?P<year>\d{4})\s*年\s*)?(?<!\d)(?P<month>1[0-2]|0?[1-9])\s*月(?:\s*(?P<day>[1-3]?\d)\s*日)?")
SENTENCE_END = re.compile(r"(?<=[。；！？;])")
# Labels that say what kind of item it is, not which event.
GENERIC_LABELS = ("事件", "意义", "影响", "研究团队", "背景")
LEAD_IN = re.compile(r"(?:于|在|截至|比如|到|此外，)\s*$")
GROUP_KINDS = ("chapter", "ranked")  # the editor's note and the summary retell events told elsewhere
# Chapter colours: the house red first, then hues that keep 4.5:1 contrast on white for their numbers.
PALETTE = ("#b3111e", "#1f5fa8", "#2e6b30", "#8a5300", "#6a3fa0", "#00666b", "#a3306b", "#4d5661")
INK, MUTED, RULE = "#1d232b", "#5b6573", "#c9ced6"
FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
MONTH_NAMES = tuple(f"{month} 月" for month in range(1, 13))


@dataclass(frozen=True)
class Event:
    month: int
    day: int | None
    title: str  # the item's own label, the ranked entry's title, or the sentence without its date
    text: str  # the sentence that dates it
    group: int  # index into Timeline.groups
    anchor: str  # the topic (or section) it belongs to, for links

    @property
    def when(self) -> str:
        return f"{self.month} 月 {self.day} 日" if self.day else f"{self.month} 月"

    @property
    def iso(self) -> str:
        return f"{self.month:02d}-{self.day:02d}" if self.day else f"{self.month:02d}"


@dataclass(frozen=True)
class Group:
    number: str  # "01", "02"…, or "榜" for the ranked list
    title: str
    colour: str


@dataclass(frozen=True)
class Timeline:
    year: int
    groups: tuple[Group, ...]
    events: tuple[Event, ...]  # in date order; undated-day events of a month come first

    def describe(self) -> str:
        """One sentence for alt text."""
        return (f"{self.year} 年时间线：{len(self.events)} 个有日期的事件，按月份排列在 1 月至 12 月的时间轴上，"
                f"分属 {len(self.groups)} 个章节。")


def extract_events(report: Report) -> Timeline:
    groups: list[Group] = []
    events: list[Event] = []
    for section in (s for s in report.sections if s.kind in GROUP_KINDS):
        found = [e for e in _section_events(report.year, section, len(groups))]
        if found:
            number = f"{section.number:02d}" if section.number else "榜"
            groups.append(Group(number, section.title, PALETTE[len(groups) % len(PALETTE)]))
            events.extend(found)
    unique = dict.fromkeys(events)  # the same sentence told twice is one event
    ordered = sorted(unique, key=lambda e: (e.month, e.day or 0, e.group))
    return Timeline(report.year, tuple(groups), tuple(ordered))


def _section_events(year: int, section: Section, group: int):
    # A ranked entry's title is its headline; a chapter's topic titles are too broad to name one event.
    ranked = section.kind == "ranked"
    yield from _texts_events(year, section.paragraphs, section.items, None, group, section.anchor)
    for topic in section.topics:
        yield from _texts_events(year, topic.paragraphs, topic.items, topic.title if ranked else None,
                                 group, topic.anchor)


def _texts_events(year, paragraphs: tuple[Text, ...], items: tuple[Item, ...], title: str | None, group: int,
                  anchor: str):
    for paragraph in paragraphs:
        yield from _dated(year, paragraph.plain, title, group, anchor)
    for item in items:
        yield from _item_events(year, item, title, group, anchor)


def _item_events(year: int, item: Item, title: str | None, group: int, anchor: str):
    own = item.label if item.label and item.label not in GENERIC_LABELS else title
    if item.body:
        yield from _dated(year, item.body.plain, own, group, anchor)
    for point in item.points:
        yield from _item_events(year, point, own, group, anchor)


def _dated(year: int, text: str, title: str | None, group: int, anchor: str):
    """An event for each date of the report's year in `text`; a date without a year counts as this year's."""
    for sentence in SENTENCE_END.split(" ".join(text.split())):
        for match in DATE.finditer(sentence):
            if match["year"] and int(match["year"]) != year:
                continue
            day = int(match["day"]) if match["day"] else None
            if day is not None and not 1 <= day <= 31:
                day = None
            headline = title or _headline(sentence, match)
            yield Event(int(match["month"]), day, headline, sentence.strip(), group, anchor)


def _headline(sentence: str, match: re.Match) -> str:
    """The sentence without its date: "2022 年 3 月，英伟达发布了…" -> "英伟达发布了…"."""
    before = LEAD_IN.sub("", sentence[:match.start()])
    after = sentence[match.end():].lstrip("，,、：: ")
    headline = (before + after).strip().rstrip("。；;")
    first_clause = headline.split("，")[0]
    return first_clause if len(first_clause) >= 6 else headline


# --- layout: shapes in a 640-unit-wide drawing ---------------------------------------------------

WIDTH = 540
AXIS_X = 64
LABEL_X = 84
ROW = 26  # height of one event label
EMPTY_MONTH = 18  # axis length of a month without events
TOP = 24
LABEL_SIZE = 14
MAX_LABEL_EM = 31


@dataclass(frozen=True)
class Stroke:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 1


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    colour: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float  # baseline
    text: str
    size: float
    colour: str
    bold: bool = False
    anchor: str = "start"  # or "end", "middle"


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    shapes: tuple[Stroke | Dot | Label, ...]


def lay_out(timeline: Timeline) -> Drawing:
    """Months down the axis, January to December, each as tall as its events need (an empty month a
    short step): every event a numbered dot on the axis in its month's block, with its date and title beside it."""
    legend, top = _legend(timeline)
    shapes: list = []
    y = top
    for month, name in enumerate(MONTH_NAMES, start=1):
        events = [e for e in timeline.events if e.month == month]
        height = ROW * len(events) if events else EMPTY_MONTH
        shapes += [Stroke(AXIS_X - 6, y, AXIS_X, y, RULE, 2),
                   Label(AXIS_X - 14, y + (ROW if events else EMPTY_MONTH) / 2 + 4.5, name, 13,
                         INK if events else MUTED, bool(events), "end")]
        for row, event in enumerate(events):
            group = timeline.groups[event.group]
            centre = y + ROW * row + ROW / 2
            shapes += [Dot(AXIS_X, centre, 9, group.colour),
                       Label(AXIS_X, centre + 3.5, group.number, 10, "#ffffff", True, "middle"),
                       Label(LABEL_X, centre + 5, _fit(f"{event.day} 日　{event.title}" if event.day else event.title, MAX_LABEL_EM), LABEL_SIZE, INK)]
        y += height
    axis = [Stroke(AXIS_X, top, AXIS_X, y, RULE, 2)]
    return Drawing(WIDTH, int(y + TOP / 2), tuple(legend + axis + shapes))


def _legend(timeline: Timeline) -> tuple[list, float]:
    shapes, x, y = [], 16.0, 20.0
    for group in timeline.groups:
        text = _fit(group.title, 14)
        width = 26 + em_width(text) * 13 + 18
        if x + width > WIDTH - 16 and x > 16:
            x, y = 16.0, y + 24
        shapes += [Dot(x + 9, y - 4, 9, group.colour), Label(x + 9, y, group.number, 10, "#ffffff", True, "middle"),
                   Label(x + 24, y + 1, text, 13, INK)]
        x += width
    return shapes, y + 24


def em_width(text: str) -> float:
    """Width in em: full-width characters one em, the rest about half (no font is measured, for determinism)."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in text)


def _fit(text: str, max_em: float) -> str:
    if em_width(text) <= max_em:
        return text
    while em_width(text + "…") > max_em:
        text = text[:-1]
    return text.rstrip() + "…"


def to_svg(drawing: Drawing, title: str, font_family: str = FONT_FAMILY, svg_id: str = "timeline",
           size: tuple[str, str | None] | None = None) -> str:
    """The drawing as an SVG element with a <title> (role="img": the list beside it tells the events).
    `size` sets its width and height attributes (by default, the drawing's own in pixels; a height of None
    keeps the drawing's proportions)."""
    width, height = size or (str(drawing.width), str(drawing.height))
    height_attribute = f' height="{height}"' if height else ""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" viewBox="0 0 {drawing.width} '
             f'{drawing.height}" width="{width}"{height_attribute} role="img" '
             f'aria-labelledby="{svg_id}-title"><title id="{svg_id}-title">{escape(title)}</title>',
             f'<g font-family="{escape(font_family, {chr(34): "&quot;"})}">']
    for shape in drawing.shapes:
        parts.append(_svg_shape(shape))
    parts.append("</g></svg>")
    return "".join(parts)


def _svg_shape(shape) -> str:
    if isinstance(shape, Stroke):
        return (f'<line x1="{_n(shape.x1)}" y1="{_n(shape.y1)}" x2="{_n(shape.x2)}" y2="{_n(shape.y2)}" '
                f'stroke="{shape.colour}" stroke-width="{_n(shape.width)}"/>')
    if isinstance(shape, Dot):
        return f'<circle cx="{_n(shape.x)}" cy="{_n(shape.y)}" r="{_n(shape.r)}" fill="{shape.colour}"/>'
    weight = ' font-weight="700"' if shape.bold else ""
    anchor = f' text-anchor="{shape.anchor}"' if shape.anchor != "start" else ""
    return (f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{_n(shape.size)}" fill="{shape.colour}"'
            f'{weight}{anchor}>{escape(shape.text)}</text>')


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def timeline_svg(report: Report, font_family: str = FONT_FAMILY, svg_id: str = "timeline",
                 size: tuple[str, str | None] | None = None) -> str | None:
    """The report's timeline as SVG, or None when its text dates no event."""
    timeline = extract_events(report)
    if not timeline.events:
        return None
    return to_svg(lay_out(timeline), timeline.describe(), font_family, svg_id, size)


@dataclass(frozen=True)
class TimelineImage:
    """The timeline as the e-mail shows it: the published PNG (twice the drawing's size) and the events as text."""

    url: str
    width: int  # CSS pixels
    height: int
    alt: str
    timeline: Timeline


def timeline_image(report: Report, png_url: str) -> TimelineImage | None:
    timeline = extract_events(report)
    if not timeline.events:
        return None
    drawing = lay_out(timeline)
    return TimelineImage(png_url, drawing.width, drawing.height, timeline.describe(), timeline)
