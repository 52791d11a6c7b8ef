"""Justification between Chinese characters, for WeasyPrint.

WeasyPrint justifies a line by widening its spaces only (CSS `text-justify:
inter-word`); a line of Chinese has few spaces or none, so it stays short or
tears apart at the one Latin word it holds. Chinese is justified the way CSS
calls `inter-character`: the extra width is shared out between the characters.

Here each Chinese character and each space of a justified line gets the same
Pango letter spacing (half of it before the character, half after), which
WeasyPrint already uses to draw its word spacing. Latin words keep their
letters together: the gap between two Latin letters gets nothing, the one
between a Latin letter and a Chinese character half. Pango drops the outer
halves at the ends of each text box; the boxes after a box boundary are moved
to give them back, except at the two ends of the line, which stay flush with
the column. The text itself is not touched: copy and paste, and `pdftotext`,
read the characters as they were.

Gaps between Chinese characters grow by at most MAX_SPACING_EM: wider, text
extraction reads them as spaces. A line that needs more (one broken before a
long Latin word) gives the rest to its spaces, as WeasyPrint would; a line
with neither stays short.

The change replaces two functions of WeasyPrint's own (layout.inline's
`justify_line` and text.line_break's `Layout.set_text`), so it is active only
inside `inter_character_justification()` and only for the WeasyPrint versions
whose code it was written against; with any other version the booklet is
justified the ordinary way.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

LOG = logging.getLogger(__name__)

# WeasyPrint versions whose `justify_line` and `Layout.set_text` this module replaces.
SUPPORTED_VERSIONS = ("70.",)
# Wider gaps between Chinese characters read as spaces (pdftotext starts a new word
# beyond 0.1 em); what a line needs beyond this goes to its spaces.
MAX_SPACING_EM = 0.08
SPACES = " \u00a0"


def is_spreadable(char: str) -> bool:
    """Whether the justification may widen the gaps on both sides of `char`: Chinese
    characters, kana, full-width punctuation and forms, curly quotes, and spaces. Not the
    middle dot, which also joins Latin words ("DALL·E"): spacing it would split their
    shaping and lose the kerning the width was measured with."""
    code = ord(char)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFE4F
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x3FFFF
            or char in " \u00a0\u2018\u2019\u201c\u201d\u2014\u2026")


def supported(version: str) -> bool:
    return version.startswith(SUPPORTED_VERSIONS)


@contextmanager
def inter_character_justification() -> Iterator[None]:
    """Within this block, WeasyPrint justifies lines between characters (see the module).
    Blocks may overlap (booklets typeset in threads): the last to end puts WeasyPrint back."""
    import weasyprint
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    if not supported(weasyprint.__version__):
        LOG.debug("WeasyPrint %s: justifying at spaces only", weasyprint.__version__)
        yield
        return
    global _active, _originals
    with _lock:
        if not _active:
            _originals = (inline.justify_line, line_break.Layout.set_text)
            inline.justify_line = _justify_line
            line_break.Layout.set_text = _set_text_factory(_originals[1])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if not _active:
                inline.justify_line, line_break.Layout.set_text = _originals


_lock = threading.Lock()
_active = 0  # blocks under way
_originals: tuple = ()  # WeasyPrint's own functions, while replaced


def _set_text_factory(original):
    def set_text(layout, text, justify=False):
        spacing = layout.justification_spacing
        if not (justify and spacing):
            return original(layout, text, justify)
        # WeasyPrint's own pass sets the text and the style's spacing; ours adds the justification.
        layout.justification_spacing = 0
        try:
            original(layout, text, justify)
        finally:
            layout.justification_spacing = spacing
        _add_letter_spacing(layout, Spacing(spacing, getattr(layout, "aireport_word_spacing", 0)))
    return set_text


@dataclass(frozen=True)
class Spacing:
    """The extra width a justified line gives each of its characters."""
    between: float  # every Chinese character, punctuation mark and space
    words: float = 0  # spaces, on top: what the line needs beyond MAX_SPACING_EM

    def of(self, char: str) -> float:
        if not is_spreadable(char):
            return 0
        return self.between + self.words if char in SPACES else self.between


def _add_letter_spacing(layout, spacing: Spacing) -> None:
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    letter_spacing = layout.style["letter_spacing"]
    base = 0 if letter_spacing == "normal" else letter_spacing
    attributes = pango.pango_layout_get_attributes(layout.layout)
    if attributes == ffi.NULL:
        attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    start = 0
    for char in layout.text:
        end = start + len(char.encode())
        if extra := spacing.of(char):
            attribute = pango.pango_attr_letter_spacing_new(int((base + extra) * TO_UNITS))
            attribute.start_index, attribute.end_index = start, end
            pango.pango_attr_list_change(attributes, attribute)
        start = end
    pango.pango_layout_set_attributes(layout.layout, attributes)


def _justify_line(context, line, extra_width):
    """Share `extra_width` out between the characters and spaces of `line`."""
    texts = [box for box in _flow(line) if _is_text(box) and box.text]
    if not texts:
        return
    ends = (texts[0].text[0], texts[-1].text[-1])
    spreadable = _weight(texts, ends, lambda char: is_spreadable(char))
    spaces = _weight(texts, ends, lambda char: char in SPACES)
    if spreadable <= 0:
        return
    between = min(extra_width / spreadable, MAX_SPACING_EM * line.style["font_size"])
    words = (extra_width - between * spreadable) / spaces if spaces > 0 else 0
    _spread(context, line, Spacing(between, words), 0, texts[0], texts[-1])


def _weight(texts, ends, counted) -> float:
    """How many characters of the line take `counted` spacing; Pango drops half of it at the ends."""
    inside = sum(sum(map(counted, box.text)) for box in texts)
    return inside - sum(map(counted, ends)) / 2


def _spread(context, box, spacing: Spacing, x_advance, first, last):
    """Move and widen `box` and what it holds; the x advance the boxes after it get."""
    from weasyprint.formatting_structure import boxes

    if _is_text(box):
        if box is not first:
            x_advance += spacing.of(box.text[0]) / 2
        box.position_x += x_advance
        grown = _widen(box, spacing)
        box.width += grown
        x_advance += grown
        if box is not last:
            x_advance += spacing.of(box.text[-1]) / 2
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _spread(context, child, spacing, x_advance, first, last)
        box.width += x_advance - before
    else:  # an atomic inline box: an image, an inline block
        box.translate(x_advance, 0)
    return x_advance


def _widen(box, spacing: Spacing) -> float:
    """Have the text box drawn with the justification; how much wider it becomes. Pango
    gives each character its letter spacing, less the outer halves at the box's ends."""
    layout = copy.copy(box.pango_layout)  # WeasyPrint's own, laid out and put to sleep
    layout.justification_spacing = spacing.between
    layout.aireport_word_spacing = spacing.words
    box.pango_layout = layout
    box.justification_spacing = spacing.between
    text = box.text
    return sum(map(spacing.of, text)) - (spacing.of(text[0]) + spacing.of(text[-1])) / 2


def _flow(box):
    """The boxes of a line in order, depth first, in-flow ones only."""
    from weasyprint.formatting_structure import boxes

    yield box
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _flow(child)


def _is_text(box) -> bool:
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.TextBox)
