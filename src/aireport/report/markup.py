"""Markdown fragments to sanitised HTML and plain text.

Sanitising happens here, once, when the model is built, so no edition can
forget it and every edition shows the same text.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3
from markupsafe import Markup

from aireport.report.model import Text
from aireport.report.softbreaks import SoftBreakExtension

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i", "li", "mark", "ol",
    "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_BLOCK_END = re.compile(r"</(p|li|tr|blockquote|pre|h\d)>|<br\s*/?>")


class Renderer:
    """One Markdown converter per load; Python-Markdown instances are not shareable."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=["tables", "sane_lists", SoftBreakExtension()], output_format="html")

    def block(self, source: str) -> Text:
        """Paragraph-level Markdown (paragraphs, tables, quotes, code)."""
        return _text(self._convert(source))

    def inline(self, source: str) -> Text:
        """One line of inline Markdown, without a wrapping <p>."""
        converted = self._convert(source)
        if converted.startswith("<p>") and converted.endswith("</p>") and converted.count("<p>") == 1:
            converted = converted[3:-4]
        return _text(converted)

    def _convert(self, source: str) -> str:
        self._md.reset()
        return self._md.convert(source)


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
    )


def plain_text(fragment: str) -> str:
    """Readable text of an HTML fragment: links keep their URL in brackets, except a cross-reference
    to a place in the report ("#no-1"), which plain text cannot follow."""

    def link(match: re.Match) -> str:
        url, label = html.unescape(match.group(1)), _TAG.sub("", match.group(2))
        return label if html.unescape(label) == url or url.startswith("#") else f"{label} ({url})"

    text = _LINK.sub(link, fragment)
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


def _text(converted: str) -> Text:
    clean = sanitise(converted.strip())
    return Text(html=Markup(clean), plain=plain_text(clean))
