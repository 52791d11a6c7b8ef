"""Source line breaks inside a paragraph, joined the way Chinese text wants them.

Editors wrap long lines; readers must not see where. As with pandoc's
east_asian_line_breaks, a line break between two Chinese characters (Han,
kana, CJK punctuation, full-width forms) disappears, one next to full-width
punctuation too; between Chinese and Latin text (letters, digits) it becomes
the one space house style puts there, and between Latin words it stays a space.

The report's text passes through here once, when the model is built: the
Markdown of the body through SoftBreakExtension, front-matter strings through
`unwrap`. Every edition then shows the same text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

_IDEOGRAPHIC = re.compile(
    "[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303c\u3040-\u30fa\u30fc-\u30ff\u3100-\u312f"
    "\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
    "\U00020000-\U0003ffff]"
)
_WIDE_PUNCTUATION = re.compile(
    "[\u3000-\u3004\u3008-\u3020\u3030\u303d-\u303f\u30fb\ufe10-\ufe1f\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffe6]"
)
# Set full width in Chinese text, narrow in Latin text: decided by their neighbours.
_AMBIGUOUS = frozenset("“”‘’…—·")
SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*")
# Stands for what text cannot see across: the edge of a block, a <br>.
BOUNDARY = "\x00"


def seam(before: str, after: str) -> str | None:
    """What a line break between `before` and `after` becomes: "" or " ".

    None when there is nothing to join on one side (the edge of a block, a
    hard break, white space): the break is left as it is.
    """
    if not before or not after or _blank(before[-1]) or _blank(after[0]):
        return None
    left, right = _kind(before[-1]), _kind(after[0])
    if left == "ambiguous":
        left = _resolve(right, before[-2:-1])
    if right == "ambiguous":
        right = _resolve(left, after[1:2])
    if "punctuation" in (left, right) or left == right == "ideographic":
        return ""
    return " "


def unwrap(text: str) -> str:
    """Plain text with its lines joined; a blank line (a new paragraph) stays."""
    paragraphs = re.split(r"\n[ \t]*\n\s*", text.strip())
    return "\n\n".join(join_soft_breaks(paragraph) for paragraph in paragraphs)


def join_soft_breaks(text: str) -> str:
    def replace(match: re.Match) -> str:
        joined = seam(text[max(0, match.start() - 2): match.start()], text[match.end(): match.end() + 2])
        return match.group(0) if joined is None else joined

    return SOFT_BREAK.sub(replace, text)


def _blank(ch: str) -> bool:
    return ch.isspace() or ch == BOUNDARY


def _kind(ch: str) -> str:
    if ch in _AMBIGUOUS:
        return "ambiguous"
    if _WIDE_PUNCTUATION.match(ch):
        return "punctuation"
    if _IDEOGRAPHIC.match(ch):
        return "ideographic"
    return "latin"


def _resolve(across: str, beyond: str) -> str:
    """A curly quote or dash is Chinese punctuation unless Latin text stands on both sides of it."""
    if across != "latin":
        return "punctuation"
    return "punctuation" if beyond and _kind(beyond) != "latin" else "latin"


class SoftBreakExtension(Extension):
    """Python-Markdown: soft line breaks joined by `seam`; a backslash before a line break is a hard break."""

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Python-Markdown's name)
        # Before the escape pattern (180), which would keep the backslash as text.
        md.inlinePatterns.register(_BackslashBreak(r"(?<!\\)\\\n", md), "backslash_break", 185)
        # After inline processing (20) has made <br>, <code> and <em> elements, before prettify (10).
        md.treeprocessors.register(_SoftBreaks(md), "soft_breaks", 15)


class _BackslashBreak(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802
        return etree.Element("br"), m.start(0), m.end(0)


class _SoftBreaks(Treeprocessor):
    """Rewrites the white space around each line break in the text of every block.

    The text of a block is read in order across its inline elements, so the
    characters on both sides of a break are known even when one belongs to
    <strong> and the other follows it. Code is never rewritten, except that a
    line break inside a code span becomes a space, as CommonMark has it.
    """

    def run(self, root: etree.Element) -> None:
        segments: list[tuple[etree.Element, str, bool]] = []
        self._collect(root, segments)
        texts = [getattr(node, attr) or "" if node is not None else BOUNDARY for node, attr, _ in segments]
        whole = "".join(texts)
        offset = 0
        for (node, attr, editable), text in zip(segments, texts):
            if editable and "\n" in text:
                setattr(node, attr, self._join(text, whole, offset))
            offset += len(text)

    @staticmethod
    def _join(text: str, whole: str, offset: int) -> str:
        def replace(match: re.Match) -> str:
            start, end = offset + match.start(), offset + match.end()
            joined = seam(whole[max(0, start - 2): start], whole[end: end + 2])
            return match.group(0) if joined is None else joined

        return SOFT_BREAK.sub(replace, text)

    def _collect(self, element: etree.Element, segments: list, in_code: bool = False,
                 in_pre: bool = False) -> None:
        """(node, "text" or "tail", editable) in reading order; (None, …) marks a boundary."""
        block = self.md.is_block_level(element.tag) or element.tag == "br"
        if element.tag == "code" and not in_pre and element.text:
            element.text = element.text.replace("\n", " ")
        in_code = in_code or element.tag in ("code", "pre")
        in_pre = in_pre or element.tag == "pre"
        if block:
            segments.append((None, "", False))
        segments.append((element, "text", not in_code))
        for child in element:
            self._collect(child, segments, in_code, in_pre)
            segments.append((child, "tail", not in_code))
        if block:
            segments.append((None, "", False))
