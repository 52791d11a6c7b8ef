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
from aireport.report.urls import url_problem

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i", "li", "mark", "ol",
    "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_QUOTE_MARKS = re.compile(r"^[ >]*>", re.M)
_ELEMENT = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
VOID_TAGS = {"br", "hr", "img", "wbr"}
MAX_NESTING = 32
# List markers one after another at a line's start ("- - - …", "1. 1. …") open a list inside a list each.
_LIST_MARKS = re.compile(r"^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)+", re.M)
_LIST_MARK = re.compile(r"(?:[-*+]|\d{1,9}[.)])[ \t]+")
MAX_BRACKETS = 300
_BLOCK_END = re.compile(r"</(p|li|tr|blockquote|pre|h\d)>|<br\s*/?>")


class Renderer:
    """One Markdown converter per load; Python-Markdown instances are not shareable."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=["tables", "sane_lists", SoftBreakExtension()], output_format="html")
        self.problems: list[str] = []  # what the texts so far could not keep; the caller takes them

    def block(self, source: str) -> Text:
        """Paragraph-level Markdown (paragraphs, tables, quotes, code)."""
        return _text(self._convert(source), self.problems)

    def inline(self, source: str) -> Text:
        """One line of inline Markdown, without a wrapping <p>."""
        converted = self._convert(source)
        if converted.startswith("<p>") and converted.endswith("</p>") and converted.count("<p>") == 1:
            converted = converted[3:-4]
        return _text(converted, self.problems)

    def _convert(self, source: str) -> str:
        for char, entity in (("[", "&#91;"), ("<", "&lt;")):
            # Python-Markdown's link search and the HTML parser it uses read on from each of these:
            # time grows with their number times the text's length.
            if source.count(char) > MAX_BRACKETS:
                self.problems.append(f"{source.count(char)} '{char}' in one paragraph or item (at most "
                                     f"{MAX_BRACKETS}); split it, or write {char} as {entity}")
                return f"<p>{html.escape(source)}</p>"
        quotes = max((line.count(">") for line in _QUOTE_MARKS.findall(source)), default=0)
        if quotes > MAX_NESTING:  # Python-Markdown parses a quote's text again at each level
            self.problems.append(f"quotes ('>') nested {quotes} levels deep (at most {MAX_NESTING}); flatten them")
            return f"<p>{html.escape(source)}</p>"
        lists = max((len(_LIST_MARK.findall(marks)) for marks in _LIST_MARKS.findall(source)), default=0)
        if lists > MAX_NESTING:  # and a list's items again at each level
            self.problems.append(f"list markers nested {lists} levels deep in one line (at most {MAX_NESTING}); "
                                 "write them as text or flatten the list")
            return f"<p>{html.escape(source)}</p>"
        self._md.reset()
        return self._md.convert(source)


def sanitise(fragment: str, problems: list[str] | None = None) -> str:
    """The fragment with only allowed tags and attributes, and only absolute web, mail and in-page links:
    a relative link would point into the build folder in the booklet (file://) and nowhere in the e-mail."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute != "href" or value.startswith("#") or value.lower().startswith("mailto:"):
            return value
        problem = url_problem(value)
        if problem and problems is not None:
            problems.append(problem)
        return None if problem else value

    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
        attribute_filter=keep,
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


def nesting_depth(fragment: str) -> int:
    """How deeply the elements of sanitised (balanced) HTML nest."""
    depth = deepest = 0
    for closing, name, self_closing in _ELEMENT.findall(fragment):
        if name.lower() in VOID_TAGS or self_closing:
            continue
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def _text(converted: str, problems: list[str]) -> Text:
    clean = sanitise(converted.strip(), problems)
    if nesting_depth(clean) > MAX_NESTING:  # WeasyPrint lays nested boxes out recursively
        problems.append(f"HTML or Markdown nested {nesting_depth(clean)} levels deep (at most {MAX_NESTING}); "
                        "flatten it")
        clean = html.escape(plain_text(clean))
    return Text(html=Markup(clean), plain=plain_text(clean))
