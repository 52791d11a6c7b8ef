"""Chinese typesetting of a booklet, measured from the PDF's character positions.

Lines are the characters sharing a baseline; a paragraph's inner lines are the
ones followed, on the same page, by a line of the same size at the paragraph's
line spacing (a larger gap starts another paragraph, item or block). Run as
`python tests/booklet_measure.py BOOKLET.pdf INNER_MM OUTER_MM` to print the numbers.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field

import pdfplumber

OPENING = "“‘（《「『【〔〈"
CLOSING = "”’）》」』】〕〉，。、；：？！"
# Full-width punctuation that squeezes (dashes, ellipses and the middle dot keep their width).
SQUEEZABLE = OPENING + CLOSING
MM = 72 / 25.4


def is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


@dataclass
class Line:
    page: int
    baseline: float
    chars: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def size(self) -> float:
        return statistics.median(c["size"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def bold(self) -> bool:
        return sum("Bold" in c["fontname"] for c in self.chars) * 2 > len(self.chars)


@dataclass
class Page:
    number: int
    width: float
    lines: list[Line]

    right_margin: float  # points

    def edge(self) -> float:
        """The text column's right edge."""
        return self.width - self.right_margin


def read_pages(path, inner_mm: float, outer_mm: float) -> list[Page]:
    """The lines of each page; the margins (the inner one on the left of odd pages) give the column."""
    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            by_baseline: dict[float, Line] = {}
            for char in page.chars:
                if not char["text"].strip():
                    continue
                baseline = round(page.height - char["matrix"][5], 0)
                by_baseline.setdefault(baseline, Line(number, baseline)).chars.append(char)
            lines = sorted(by_baseline.values(), key=lambda line: line.baseline)
            for line in lines:
                line.chars.sort(key=lambda c: c["x0"])
            margin = outer_mm if number % 2 else inner_mm
            pages.append(Page(number, page.width, lines, margin * MM))
    return pages


def is_drawing(page: Page) -> bool:
    """The timeline's page: labels set along an axis, not running text."""
    return any(line.text.startswith("年度时间线") for line in page.lines)


def _continues(line: Line, following: Line) -> bool:
    """Whether `following` is the next line of the same paragraph as `line`."""
    gap = following.baseline - line.baseline
    return abs(following.size - line.size) < 0.1 and 1.2 * line.size <= gap <= 2.05 * line.size


def inner_lines(pages: list[Page]) -> list[tuple[Page, Line]]:
    """Lines of running text that do not end their paragraph (headings and titles left out)."""
    found = []
    for page in pages:
        if is_drawing(page):
            continue
        for line, following in zip(page.lines, page.lines[1:]):
            if _continues(line, following) and not line.bold:
                found.append((page, line))
    return found


def ends_flush(page: Page, line: Line, tolerance_em: float = 0.25) -> bool:
    """Whether the line ends at the column's edge. A punctuation mark set at half width
    at the end of a line is drawn from a full square: its box may reach past the edge."""
    overshoot = 0.55 if line.text[-1] in CLOSING else 0.05
    return -overshoot * line.size <= page.edge() - line.x1 <= tolerance_em * line.size


def flush_ratio(pages: list[Page]) -> tuple[int, int, list[str]]:
    lines = inner_lines(pages)
    ragged = [f"p{page.number} {page.edge() - line.x1:5.1f}pt {line.text}" for page, line in lines
              if not ends_flush(page, line)]
    return len(lines) - len(ragged), len(lines), ragged


def punctuation_pairs(pages: list[Page]) -> list[tuple[str, float]]:
    """Each pair of adjacent full-width punctuation marks on a line, with the first one's advance in em."""
    pairs = []
    for page in pages:
        for line in page.lines:
            for first, second in zip(line.chars, line.chars[1:]):
                if first["text"] in SQUEEZABLE and second["text"] in SQUEEZABLE:
                    pairs.append((first["text"] + second["text"], (second["x0"] - first["x0"]) / first["size"]))
    return pairs


def single_character_last_lines(pages: list[Page]) -> list[str]:
    """Lines ending a paragraph (or heading) that hold one Han character and at most its punctuation."""
    found = []
    for page in pages:
        for previous, line in zip(page.lines, page.lines[1:]):
            letters = line.text.rstrip(CLOSING + "…—")
            if len(letters) == 1 and is_han(letters) and _continues(previous, line):
                found.append(f"p{page.number} {previous.text[-6:]}/{line.text}")
    return found


def forbidden_line_edges(pages: list[Page]) -> list[str]:
    """Lines that start with closing punctuation or end with opening punctuation."""
    return [f"p{page.number} {line.text}" for page in pages for line in page.lines
            if line.text[0] in CLOSING or line.text[-1] in OPENING]


def page_fill(page: Page, height: float, top_mm: float, bottom_mm: float) -> float:
    """How far down the text area the page's text reaches, from 0 (empty) to 1 (full)."""
    top, bottom = top_mm * MM, height - bottom_mm * MM
    baselines = [line.baseline for line in page.lines if top < line.baseline < bottom]
    return (max(baselines, default=top) - top) / (bottom - top)


def summary(path, inner_mm: float, outer_mm: float) -> dict:
    pages = read_pages(path, inner_mm, outer_mm)
    flush, inner, ragged = flush_ratio(pages)
    pairs = punctuation_pairs(pages)
    squeezed = [pair for pair, advance in pairs if advance <= 0.75]
    return {
        "pages": len(pages),
        "flush": flush, "inner_lines": inner, "flush_ratio": flush / inner if inner else 1.0, "ragged": ragged,
        "pairs": len(pairs), "squeezed": len(squeezed),
        "squeeze_ratio": len(squeezed) / len(pairs) if pairs else 1.0,
        "wide_pairs": [f"{pair} {advance:.2f}em" for pair, advance in pairs if advance > 0.75],
        "orphans": single_character_last_lines(pages),
        "forbidden_edges": forbidden_line_edges(pages),
    }


if __name__ == "__main__":
    result = summary(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]))
    for key, value in result.items():
        if isinstance(value, list):
            print(f"{key}: {len(value)}")
            for entry in value[: int(sys.argv[4]) if len(sys.argv) > 4 else 15]:
                print("   ", entry)
        else:
            print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
