"""Chinese line composition the booklet's HTML carries for WeasyPrint (W3C clreq).

WeasyPrint lays Chinese out as Western text with wide letters. Three rules of
Chinese typesetting it does not know are written into the booklet's HTML here,
as markup around the text, never as characters in it (copy and paste, and
`pdftotext`, read the text as it was):

- Punctuation squeezing (标点挤压): of two adjacent full-width punctuation marks
  the first closing mark, or the second opening one, is set at half width by
  the fonts' `halt` feature (`<span class="halt">`).
- No single character on a paragraph's last line: the last two letters (Han
  characters or Latin words) and the punctuation after them stay together
  (`<span class="nobr">`).
- Quotation marks next to Chinese break like brackets (UAX #14 has them hold on
  to both neighbours, which leaves holes of several characters): a break
  opportunity before an opening mark and after a closing one (`<wbr>`: the zero
  width space WeasyPrint gives it is laid out but not drawn, and stays out of
  the bookmarks and running headers, which a zero width space in the text
  would reach).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENING = "“‘（《「『【〔〈"
CLOSING = "”’）》」』】〕〉"
STOPS = "，。、；：？！"  # set on the left of their square in Simplified Chinese fonts
QUOTES_OPENING, QUOTES_CLOSING = "“‘", "”’"
# Tags that end a line of text: a paragraph, a list item, a heading, a line break.
BLOCK_TAGS = {"p", "li", "ol", "ul", "div", "section", "nav", "h1", "h2", "h3", "h4", "h5", "h6",
              "figure", "figcaption", "br", "blockquote", "table", "tr", "td", "th", "body"}
# Whose text is not laid out as running text.
SKIPPED_TAGS = {"style", "script", "svg", "title", "head"}
LONGEST_KEPT_WORD = 20  # a longer Latin word (an address) is not held to the next letter
# Texts this short fit on one line wherever the booklet sets them (20 characters of a
# section title): keeping their ends together would only cost layout time.
SHORTEST_KEPT_TEXT = 16
BREAK = "<wbr>"

TAG = re.compile(r"(<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>)", re.S)
UNIT = re.compile(r"&#?\w+;|.", re.S)
TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x3040 <= code <= 0x30FF or code >= 0x20000


@dataclass
class Unit:
    """One character (or character reference) of a text node, and what goes around it."""
    text: str
    before: str = ""  # markup inserted before it
    after: str = ""

    @property
    def char(self) -> str:
        return self.text if len(self.text) == 1 else "&"


def compose(html: str) -> str:
    """The booklet's HTML with the markup for squeezing, kept line ends and quote breaks."""
    pieces = TAG.split(html)
    runs: list[list[tuple[int, list[Unit]]]] = [[]]  # runs of text nodes between block tags
    skipping: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            name, closing = _tag(piece)
            if name in SKIPPED_TAGS and not piece.endswith("/>"):
                if closing and skipping and skipping[-1] == name:
                    skipping.pop()
                elif not closing:
                    skipping.append(name)
            if name in BLOCK_TAGS or name in SKIPPED_TAGS:
                runs.append([])
        elif piece and not skipping:
            runs[-1].append((index, [Unit(text) for text in UNIT.findall(piece)]))
    for run in runs:
        units = [unit for _, node in run for unit in node]
        _squeeze(units)
        _break_at_quotes(units)
        if len(units) >= SHORTEST_KEPT_TEXT:
            _keep_end(_last_with_letters(run))
    for run in runs:
        for index, node in run:
            pieces[index] = "".join(unit.before + unit.text + unit.after for unit in node)
    return "".join(pieces)


def _tag(piece: str) -> tuple[str, bool]:
    match = TAG_NAME.match(piece)
    return (match.group(1).lower(), piece.startswith("</")) if match else ("", False)


def _squeeze(units: list[Unit]) -> None:
    """Half width for the first of two adjacent marks when it is a closing one, else for the
    second when both open: the blank halves between the two marks go."""
    for first, second in zip(units, units[1:]):
        if first.char in CLOSING + STOPS and second.char in OPENING + CLOSING + STOPS:
            _halt(first)
        elif first.char in OPENING and second.char in OPENING:
            _halt(second)


def _halt(unit: Unit) -> None:
    if not unit.before.endswith('<span class="halt">'):
        unit.before += '<span class="halt">'
        unit.after = "</span>" + unit.after


def _break_at_quotes(units: list[Unit]) -> None:
    for previous, unit in zip(units, units[1:]):
        if unit.char in QUOTES_OPENING and (is_han(previous.char) or previous.char in CLOSING + STOPS):
            unit.before = BREAK + unit.before
        elif previous.char in QUOTES_CLOSING and (is_han(unit.char) or unit.char in OPENING):
            previous.after += BREAK


def _keep_end(node: list[Unit]) -> None:
    """Keep the last two letters of a text node (a Han character or a Latin word each, such as
    "No.1"), and what follows them, on one line."""
    end = len(node)
    while end and (node[end - 1].char in CLOSING + STOPS + "…—" or node[end - 1].text.isspace()):
        end -= 1
    if not end or not (is_han(node[end - 1].char) or any(is_han(unit.char) for unit in node)):
        return  # Latin text breaks only at its spaces, where a last word stands well on its own
    start, letters = end, 0
    while letters < 2:
        start -= 1
        if start < 0:
            return
        char = node[start].char
        if is_han(char):
            letters += 1
        elif not (char.isspace() or char in CLOSING + STOPS + OPENING):
            word_start = start
            while word_start and _in_word(node[word_start - 1].char):
                word_start -= 1
            if start - word_start >= LONGEST_KEPT_WORD:
                return
            start, letters = word_start, letters + 1
    while start and node[start - 1].char in OPENING:
        start -= 1
    node[start].before = '<span class="nobr">' + node[start].before
    node[-1].after += "</span>"


def _last_with_letters(run: list[tuple[int, list[Unit]]]) -> list[Unit]:
    """The last text node that holds more than punctuation: after a link ("见 No.1</a>。") the
    full stop alone cannot start a line, so the letters before it are the ones to keep together."""
    for _, node in reversed(run):
        if any(not (unit.text.isspace() or unit.char in CLOSING + STOPS + OPENING + "…—") for unit in node):
            return node
    return run[-1][1]


def _in_word(char: str) -> bool:
    return not (char.isspace() or is_han(char) or char in OPENING + CLOSING + STOPS)
