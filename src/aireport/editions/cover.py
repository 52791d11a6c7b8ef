"""A year's cover for the web page and the archive.

With a `cover:` image in the front matter (a local file; remote images are
never fetched), the image in a few widths for `srcset`, resized with Pillow.
Without one, a typographic cover drawn as SVG in the booklet cover's design: the
house red band with the site's name, the year in large red figures, the title,
the subtitle, the start of the summary beside a red rule, and the authors at the
foot. Both are the same bytes for the same report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from aireport.editions.timeline import FONT_FAMILY, INK, MUTED, em_width
from aireport.report.model import Report

ACCENT = "#b3111e"
WIDTH, HEIGHT = 296, 420  # the booklet's A5 page, 2 units a millimetre
MARGIN = 24
WIDTHS = (360, 720, 1080)  # CSS widths the page shows it at, for phones up to wide screens at 2x
NO_LINE_START = set("、。，．,.：:；;！？!?）)」』】》〉”’…—")
NO_LINE_END = set("（(「『【《〈“‘")


@dataclass(frozen=True)
class CoverImage:
    """One resized copy of the report's own cover image."""

    path: str  # relative to the output folder
    width: int
    height: int
    data: bytes


def cover_images(report: Report) -> tuple[CoverImage, ...]:
    """The cover image in each of WIDTHS it is at least as wide as (never enlarged), as JPEG or PNG."""
    if report.cover is None:
        return ()
    from PIL import Image, ImageOps

    with Image.open(report.cover.path) as original:
        image = ImageOps.exif_transpose(original)
        keeps_alpha = _has_alpha(original)
        image = image.convert("RGBA" if keeps_alpha else "RGB")
    copies = []
    for width, height, path in _sizes(report, image.width, image.height, keeps_alpha):
        copy = image.resize((width, height), Image.Resampling.LANCZOS) if width != image.width else image
        buffer = io.BytesIO()
        if keeps_alpha:
            copy.save(buffer, "PNG", optimize=True)
        else:
            copy.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
        copies.append(CoverImage(path, width, height, buffer.getvalue()))
    return tuple(copies)


def cover_sizes(report: Report) -> tuple[CoverImage, ...]:
    """The copies cover_images makes, without their bytes (the archive links those of the year's page)."""
    if report.cover is None:
        return ()
    from PIL import Image

    with Image.open(report.cover.path) as original:
        width, height = original.size
        if (original.getexif().get(0x0112) or 1) in (5, 6, 7, 8):  # turned a quarter by its EXIF orientation
            width, height = height, width
        keeps_alpha = _has_alpha(original)
    return tuple(CoverImage(path, w, h, b"") for w, h, path in _sizes(report, width, height, keeps_alpha))


def _has_alpha(image) -> bool:
    return image.format == "PNG" and image.mode in ("RGBA", "LA", "P")


def _sizes(report: Report, width: int, height: int, keeps_alpha: bool):
    suffix = "png" if keeps_alpha else "jpg"
    for target in sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])}):
        yield target, round(height * target / width), f"{report.year}/cover-{target}.{suffix}"


def cover_svg(report: Report, site_title: str, svg_class: str = "cover-art") -> str:
    """The typographic cover; aria-hidden, since the page says its title and year in text beside it."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="{svg_class}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" aria-hidden="true" focusable="false" '
             f'font-family="{escape(FONT_FAMILY, {chr(34): "&quot;"})}">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
             f'<rect width="{WIDTH}" height="34" fill="{ACCENT}"/>',
             _text(MARGIN, 22, site_title, 10, "#ffffff", spacing=3),
             _text(MARGIN - 2, 112, str(report.year), 64, ACCENT, bold=True)]
    y = 150
    for line in wrap(report.title, (WIDTH - 2 * MARGIN) / 22, 3):
        parts.append(_text(MARGIN, y, line, 22, INK, bold=True))
        y += 30
    if report.subtitle:
        for line in wrap(report.subtitle, (WIDTH - 2 * MARGIN) / 12, 2):
            parts.append(_text(MARGIN, y + 2, line, 12, MUTED))
            y += 18
    summary = wrap(report.summary, (WIDTH - 2 * MARGIN - 10) / 10, 6)
    top = y + 20
    parts.append(f'<rect x="{MARGIN}" y="{top - 4}" width="3" height="{len(summary) * 16 + 2}" fill="{ACCENT}"/>')
    for index, line in enumerate(summary):
        parts.append(_text(MARGIN + 10, top + 10 + index * 16, line, 10, "#3a424d"))
    authors = "　".join(person.name for person in report.authors)
    parts += [f'<line x1="{MARGIN}" y1="{HEIGHT - 52}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - 52}" stroke="{INK}"/>',
              _text(MARGIN, HEIGHT - 36, wrap(authors, (WIDTH - 2 * MARGIN) / 9, 1)[0], 9, INK, bold=True),
              _text(MARGIN, HEIGHT - 22, f"{report.date.year}年{report.date.month}月{report.date.day}日发布", 9, MUTED),
              "</svg>"]
    return "".join(parts)


def _text(x: float, y: float, text: str, size: float, colour: str, bold: bool = False, spacing: float = 0) -> str:
    weight = ' font-weight="700"' if bold else ""
    letters = f' letter-spacing="{spacing}"' if spacing else ""
    return f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" fill="{colour}"{weight}{letters}>{escape(text)}</text>'


def wrap(text: str, max_em: float, max_lines: int) -> list[str]:
    """Lines of at most `max_em` (Han characters one em each), breaking between Han characters or at spaces,
    never before closing punctuation; the last line kept ends with … when text is left over."""
    lines, line = [], ""
    for token in _tokens(" ".join(text.split())):
        if line and em_width(line + token) > max_em and token[0] not in NO_LINE_START:
            carried = line[-1] if line[-1] in NO_LINE_END else ""  # an opening bracket goes with what it opens
            lines.append(line[:len(line) - len(carried)].rstrip())
            line = carried + token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > 1 and em_width(lines[-1]) <= 2 and len(lines[-2]) > 4:
        # No last line of one or two characters (an orphan): take one more along, two past an opening bracket.
        take = 2 if lines[-2][-2] in NO_LINE_END else 1
        lines[-2], lines[-1] = lines[-2][:-take].rstrip(), lines[-2][-take:] + lines[-1]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while em_width(last + "…") > max_em:
            last = last[:-1]
        lines = lines[:max_lines - 1] + [last.rstrip("，、。；： ") + "…"]
    return lines


def _tokens(text: str):
    """Han characters one by one; Latin words and numbers whole, each with the space before it."""
    word = ""
    for char in text:
        if ord(char) >= 0x2E80:
            if word:
                yield word
                word = ""
            yield char
        elif char == " " and word.strip():
            yield word
            word = " "
        else:
            word += char
    if word:
        yield word
