"""Where a report's prose is: the parts of each line the house style may read and rewrite.

Everything else is left alone: front-matter keys, ids, names and URLs, fenced
code and code spans, link targets, autolinks and bare URLs, HTML tags and
comments, and the `{.class #anchor source=id}` of headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING_ATTRIBUTES = re.compile(r"(?<!\s)\s*\{:?[^{}]*\}\s*$")  # starts only where a run of spaces does
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
# Pieces of a line that are not prose, leftmost first.
PROTECTED = re.compile(
    r"<!--.*?(?:-->|$)"  # an HTML comment (possibly running on to later lines)
    r"|(?<!`)(`++).+?\1"  # a code span (opened only where a run of backticks starts)
    r"|\]\(\s*<?[^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*>?(?:\s+\"[^\"]*\")?\s*\)"  # ](link target "title")
    r"|!?\["  # the opening of a link or image: its text is prose, the bracket is not
    r"|<[a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*>"  # <https://autolink> (no '<' inside: each is read once)
    r"|</?[a-zA-Z][^<>]*>"  # an HTML tag
    r"|(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>\u3000-\u303f\uff00-\uffef]+"  # a bare URL (up to a space or "，")
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+"  # an e-mail address (both start where a word does)
)
# Front-matter values that are the report's own prose; names, ids and sources' titles are quoted as given.
PROSE_KEYS = (("title",), ("subtitle",), ("summary",), ("cover", "alt"))


@dataclass(frozen=True)
class Span:
    line: int  # 1-based line number in the file
    start: int  # columns within the line
    end: int


def prose_spans(text: str) -> list[Span]:
    """The prose of a report's text, in file order, as spans of single lines."""
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or closing is None:
        return []
    spans = _front_matter_spans(lines, closing)
    return spans + _body_spans(lines, closing + 1)


def _front_matter_spans(lines: list[str], closing: int) -> list[Span]:
    try:
        root = yaml.compose("\n".join(lines[1:closing]), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []  # the loader reports it
    spans = []
    for path in PROSE_KEYS:
        node = _node_at(root, path)
        if isinstance(node, yaml.ScalarNode):
            spans.extend(_scalar_spans(node, lines))
    return sorted(spans, key=lambda s: (s.line, s.start))


def _node_at(node, path: tuple[str, ...]):
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((value for k, value in node.value if getattr(k, "value", None) == key), None)
    return node


def _scalar_spans(node: yaml.ScalarNode, lines: list[str]) -> list[Span]:
    """Each line of a scalar's text; block scalars ('>-', '|') start below their indicator."""
    first, last = node.start_mark.line + 1, node.end_mark.line + 1  # the file has '---' above
    if node.style in (">", "|"):
        first += 1
    spans = []
    for number in range(first, last + 1):
        line = lines[number]
        start = node.start_mark.column if number == node.start_mark.line + 1 else 0
        end = node.end_mark.column if number == node.end_mark.line + 1 else len(line)
        if node.style in ("'", '"'):
            start += number == node.start_mark.line + 1
            end -= number == node.end_mark.line + 1
        spans.extend(_trimmed(number + 1, line, start, end))
    return spans


def _body_spans(lines: list[str], first: int) -> list[Span]:
    spans: list[Span] = []
    fence, in_comment = None, False
    for index in range(first, len(lines)):
        line = lines[index]
        match = FENCE.match(line)
        if match and not in_comment:
            fence = None if fence == match.group(1)[0] else (fence or match.group(1)[0])
            continue
        if fence or REFERENCE_DEFINITION.match(line):
            continue
        start = 0
        if in_comment:
            if "-->" not in line:
                continue
            start, in_comment = line.index("-->") + 3, False
        end = len(line)
        if line.lstrip().startswith("#") and (attributes := HEADING_ATTRIBUTES.search(line)):
            end = attributes.start()
        found, in_comment = _line_spans(index + 1, line, start, end)
        spans.extend(found)
    return spans


def _line_spans(number: int, line: str, start: int, end: int) -> tuple[list[Span], bool]:
    """The prose between protected pieces, and whether an HTML comment runs on past the line."""
    spans, position, open_comment = [], start, False
    for match in PROTECTED.finditer(line, start, end):
        spans.extend(_trimmed(number, line, position, match.start()))
        position = match.end()
        open_comment = match.group(0).startswith("<!--") and not match.group(0).endswith("-->")
    spans.extend(_trimmed(number, line, position, end))
    return spans, open_comment


def _trimmed(number: int, line: str, start: int, end: int) -> list[Span]:
    """The span without its surrounding blanks (indentation and line ends are not prose)."""
    while start < end and line[start] in " \t":
        start += 1
    while end > start and line[end - 1] in " \t":
        end -= 1
    return [Span(number, start, end)] if end > start else []
