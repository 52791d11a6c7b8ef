"""The rules of `aireport check` that look across a report, on top of the loader's own."""

from __future__ import annotations

import re

from aireport.report.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from aireport.report.model import Report
from aireport.report.problems import Problems
from aireport.report.urls import url_problem
from aireport.report.years import allowed_years, mentioned_years

INLINE_LINK = re.compile(r"\]\(\s*<?([^()\s>]+(?:\([^()\s]*\)[^()\s]*)*)>?(?:\s+\"[^\"]*\")?\s*\)")
AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*)>")  # no '<' inside: each one is read once
URL = re.compile(r"(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]*://\S+")  # starts where a word does
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*+)([^<>]*?)(/?)>")  # *+: a long name is read once
ATTRIBUTE = re.compile(r"(?<![-a-zA-Z0-9_:.])([a-zA-Z_:][-a-zA-Z0-9_:.]*+)\s*(?:=|\s|$)")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
VOID_TAGS = {"br", "hr", "img", "wbr"}
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(")


def apply_rules(report: Report | None, text: str, problems: Problems) -> None:
    """The rules that look across the report: links, ranks, HTML and years in the text."""
    lines = body_lines(text)
    _check_inline_links(lines, problems)
    _check_html(lines, problems)
    _check_images(lines, problems)
    if report is not None:
        _check_links(report, problems)
        _check_ranks(report, problems)
        _check_years(report.year, lines, problems)


def body_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the body outside fenced code."""
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines))
    result, fence = [], None
    for index in range(closing + 1, len(lines)):
        line = lines[index]
        match = FENCE.match(line)
        if match:
            fence = None if fence == match.group(1)[0] else (fence or match.group(1)[0])
            continue
        if fence is None:
            result.append((index + 1, line))
    return result


def _check_links(report: Report, problems: Problems) -> None:
    for section in report.sections:
        for topic in section.topics:
            seen: dict[str, int] = {}
            for link in topic.links:
                if link.url in seen:
                    problems.error(link.line, f"duplicate link in topic '{topic.title}' (first at line "
                                   f"{seen[link.url]}); remove one", rule="links")
                seen.setdefault(link.url, link.line)


def _check_ranks(report: Report, problems: Problems) -> None:
    ranked = report.ranked
    if ranked is None:
        return
    ranks = [t.rank for t in ranked.topics if t.rank is not None]
    if not ranks:
        return
    first_seen: dict[int, int] = {}
    for topic in ranked.topics:
        if topic.rank in first_seen:
            problems.error(topic.line, f"rank No.{topic.rank} is used twice (first at line "
                           f"{first_seen[topic.rank]}); each rank must be used once", rule="ranks")
        elif topic.rank is not None:
            first_seen[topic.rank] = topic.line
    missing = sorted(set(range(1, max(ranks) + 1)) - set(ranks), reverse=True)
    if missing:
        gaps = ", ".join(f"No.{n}" for n in missing)
        problems.error(ranked.line, f"ranked list '{ranked.title}' is missing {gaps}; ranks run "
                       f"from No.{max(ranks)} down to No.1", rule="ranks")
    if 0 in first_seen:
        problems.error(ranked.line, "ranks start at No.1, not No.0", rule="ranks")


def _check_inline_links(lines: list[tuple[int, str]], problems: Problems) -> None:
    for number, line in lines:
        for match in (*INLINE_LINK.finditer(line), *AUTOLINK.finditer(line)):
            url = match.group(1)
            if url.startswith("#") or url.startswith("mailto:"):
                continue
            problem = url_problem(url)
            if problem:
                problems.error(number, problem, rule="url")


def _check_html(lines: list[tuple[int, str]], problems: Problems) -> None:
    open_tags: list[tuple[str, int]] = []
    for number, line in lines:
        code_free = re.sub(r"`[^`]*`", "", AUTOLINK.sub("", line))
        for closing, name, attributes, self_closing in TAG.findall(code_free):
            name = name.lower()
            if name not in ALLOWED_TAGS:
                problems.warning(number, f"raw HTML <{name}> will be dropped from every edition; "
                                 "write it in Markdown", rule="html")
                continue
            dropped = sorted(set(a.lower() for a in ATTRIBUTE.findall(attributes))
                             - ALLOWED_ATTRIBUTES.get(name, set()))
            if dropped and not closing:
                problems.warning(number, f"attribute {', '.join(dropped)} on <{name}> will be dropped",
                                 rule="html")
            if name in VOID_TAGS or self_closing:
                continue
            if not closing:
                open_tags.append((name, number))
            elif open_tags and open_tags[-1][0] == name:
                open_tags.pop()
            else:
                problems.warning(number, f"unbalanced HTML: </{name}> closes nothing", rule="html")
    for name, number in open_tags:
        problems.warning(number, f"unbalanced HTML: <{name}> is never closed", rule="html")


def _check_images(lines: list[tuple[int, str]], problems: Problems) -> None:
    """Images in the text are not part of the format; the sanitiser would drop them without a word."""
    for number, line in lines:
        if MARKDOWN_IMAGE.search(re.sub(r"`[^`]*`", "", line)):
            problems.warning(number, "a Markdown image (![…](…)) will be dropped from every edition; "
                             "list it as a link ('- [图片：…](URL)') or make it the cover")


def _check_years(year: int, lines: list[tuple[int, str]], problems: Problems) -> None:
    for number, line in lines:
        found = mentioned_years(URL.sub("", INLINE_LINK.sub("", line)))
        for other in sorted(found - {year} - allowed_years(line)):
            when = "later" if other > year else "earlier"
            problems.warning(number, f"mentions {other}, {when} than the report's year {year}; check that it "
                             f"belongs in this report, or acknowledge it: <!-- aireport: allow year {other} -->",
                             rule="other-year")
