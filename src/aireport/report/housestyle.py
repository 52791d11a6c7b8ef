"""The house style of a report's prose: `aireport check` warns, `aireport check --fix` rewrites.

Spacing between Han and Latin letters or digits and full-width punctuation in
Chinese text come from autocorrect, the standard CJK copywriting linter; our
own rules add one spelling per name (terms.py) and one number style (a space
between a number and its Chinese unit, as autocorrect spaces it, and "～" in
ranges). Only prose is read or rewritten (textspans.py): never URLs, code,
comments or front-matter keys.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

import autocorrect_py

from aireport.report.problems import Problems
from aireport.report.terms import TERMS
from aireport.report.textspans import Span, prose_spans

WIDE = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")  # Han, CJK and full-width punctuation
HAN = re.compile(r"[\u2e80-\u9fff]")
WORD_CHAR = re.compile(r"[A-Za-z0-9.,+%-]")
# Chinese units and counters that follow a number ("1750 亿", "3 倍", "2020 年"): the number style's concern.
UNITS = set("亿万千百十年月日号时分秒天周个倍元角人家名位次项篇种台块张款层米度岁届期代例")
RANGE = re.compile(r"(?<=\d)\s*[~〜]\s*(?=\d)")
# A Chinese label's colon ("- **意义**: …", "- **意义:** …"), which autocorrect leaves half-width by the bold.
LABEL_COLON_OUTSIDE = re.compile(r"^([-*+]\s+\*\*[^*]*[\u4e00-\u9fff][^*]*\*\*)\s*:[ \t]*")
LABEL_COLON_INSIDE = re.compile(r"^([-*+]\s+\*\*[^*]*[\u4e00-\u9fff][^*]*):(\*\*)[ \t]*")
REASONS = {
    "spacing": "a space between Chinese and Latin text",
    "punctuation": "full-width punctuation in Chinese text",
    "number-style": "a space between a number and its Chinese unit",
    "range": "a range of numbers takes \"～\"",
    "terminology": "one spelling per name (house terms: docs/format.md)",
}


def _term_pattern() -> re.Pattern:
    forms = sorted({form for name, others in TERMS.items() for form in (name, *others)}, key=len, reverse=True)
    alternatives = "|".join(re.escape(form).replace(r"\ ", r"\s?") for form in forms)
    # not inside a longer word, a path or a host name ("github.com" in a link's text stays as it is)
    return re.compile(rf"(?<![A-Za-z0-9_/.@-])(?:{alternatives})(?![A-Za-z0-9_@]|\.[A-Za-z])", re.I)


TERM = _term_pattern()
HOUSE_SPELLING = {form.lower().replace(" ", ""): name for name, others in TERMS.items() for form in (name, *others)}


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    before: str
    after: str

    @property
    def message(self) -> str:
        reason = REASONS["range" if "～" in self.after and "～" not in self.before else self.rule]
        return f"\"{self.before}\" → \"{self.after}\": {reason}"


def check_house_style(text: str, problems: Problems) -> None:
    """A warning for each departure from the house style, at its line."""
    for finding in house_style_findings(text):
        problems.warning(finding.line, finding.message, rule=finding.rule)


def house_style_findings(text: str) -> list[Finding]:
    lines = text.split("\n")
    spans = prose_spans(text)
    steps = _steps(_autocorrected(lines[s.line - 1][s.start:s.end] for s in spans))
    findings: list[Finding] = []
    for span in spans:
        prose = lines[span.line - 1][span.start:span.end]
        for step in steps:
            fixed = step.apply(prose)
            if fixed != prose:
                findings.extend(Finding(span.line, rule, a, b) for rule, a, b in step.changes(prose, fixed))
                prose = fixed
    return findings


def fix_house_style(text: str) -> tuple[str, int]:
    """The text in house style, and how many lines changed."""
    lines = text.split("\n")
    edits: dict[int, list[tuple[Span, str]]] = {}
    spans = prose_spans(text)
    steps = _steps(_autocorrected(lines[s.line - 1][s.start:s.end] for s in spans))
    for span in spans:
        prose = lines[span.line - 1][span.start:span.end]
        fixed = prose
        for step in steps:
            fixed = step.apply(fixed)
        if fixed != prose:
            edits.setdefault(span.line, []).append((span, fixed))
    for number, spans in edits.items():
        line = lines[number - 1]
        for span, fixed in sorted(spans, key=lambda edit: edit[0].start, reverse=True):
            line = line[:span.start] + fixed + line[span.end:]
        lines[number - 1] = line
    return "\n".join(lines), len(edits)


def _autocorrected(pieces) -> dict[str, str]:
    """autocorrect's version of each piece of prose that holds Chinese, in a call or two for the whole report.

    autocorrect reads line by line, so the pieces are joined with line breaks:
    one call instead of hundreds keeps the check within a few milliseconds.
    """
    wide = list(dict.fromkeys(p for p in pieces if WIDE.search(p)))
    fixed = _format_lines(wide)
    changed = [index for index, (old, new) in enumerate(zip(wide, fixed)) if old != new]
    # a second pass over what changed: full-width digits become ASCII on the first and are spaced on the second
    for index, again in zip(changed, _format_lines([fixed[i] for i in changed])):
        fixed[index] = again
    return dict(zip(wide, fixed))


def _format_lines(pieces: list[str]) -> list[str]:
    if not pieces:
        return []
    fixed = autocorrect_py.format("\n".join(pieces)).split("\n")
    if len(fixed) != len(pieces):  # cannot happen with autocorrect's line-by-line rules; be safe anyway
        return [autocorrect_py.format(piece) for piece in pieces]
    return fixed


def terminology(prose: str) -> str:
    return TERM.sub(lambda m: HOUSE_SPELLING[re.sub(r"\s", "", m.group(0)).lower()], prose)


def _terms_found(prose: str) -> list[tuple[str, str, str]]:
    found = ((m.group(0), terminology(m.group(0))) for m in TERM.finditer(prose))
    return [("terminology", old, new) for old, new in found if old != new]


def label_colon(prose: str) -> str:
    return LABEL_COLON_INSIDE.sub(r"\1：\2", LABEL_COLON_OUTSIDE.sub(r"\1：", prose))


def number_ranges(prose: str) -> str:
    return RANGE.sub("～", prose)


@dataclass(frozen=True)
class Step:
    apply: Callable[[str], str]
    classify: Callable[[str, int, int, str], str]  # (old text, start, end, new fragment) -> rule
    whole: Callable[[str], list[tuple[str, str, str]]] | None = None  # changes that are whole words

    def changes(self, old: str, new: str) -> list[tuple[str, str, str]]:
        """(rule, old fragment, new fragment) of each change, with enough around it to find it."""
        if self.whole:
            return self.whole(old)
        groups: list[list] = []
        for i1, i2, j1, j2 in _edits(old, new):
            rule = self.classify(old, i1, i2, new[j1:j2])
            if groups and groups[-1][0] == rule and i1 - groups[-1][2] <= 4:
                groups[-1][2], groups[-1][4] = i2, j2
            else:
                groups.append([rule, i1, i2, j1, j2])
        result = []
        for rule, i1, i2, j1, j2 in groups:
            han = 1 if rule == "number-style" else 2
            left, right = _context_before(old, i1, han), _context_after(old, i2, han)
            result.append((rule, old[left:right], new[j1 - (i1 - left): j2 + (right - i2)]))
        return result


def _edits(old: str, new: str) -> list[tuple[int, int, int, int]]:
    """The differences (old start, old end, new start, new end) between a piece and its corrected version.

    The corrections insert or remove spaces and swap single characters, so one
    walk along both finds them; anything else goes to difflib, which is slower.
    """
    edits, i, j = [], 0, 0
    while i < len(old) and j < len(new):
        if old[i] == new[j]:
            i, j = i + 1, j + 1
        elif new[j] == " ":
            edits.append((i, i, j, j + 1))
            j += 1
        elif old[i] == " ":
            edits.append((i, i + 1, j, j))
            i += 1
        else:
            edits.append((i, i + 1, j, j + 1))
            i, j = i + 1, j + 1
    if (i, j) == (len(old), len(new)) and len(edits) <= max(8, len(old) // 4):
        return edits
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _context_before(text: str, index: int, han: int) -> int:
    """Where the fragment shown for a change starts: the Latin word, or Han characters, before it."""
    start = index
    while start > 0 and index - start < 12 and WORD_CHAR.match(text[start - 1]):
        start -= 1
    while start == index or (start < index and HAN.match(text[start]) and index - start < han):
        if start == 0 or not (HAN.match(text[start - 1]) or start == index) or text[start - 1] == " ":
            break
        start -= 1
    return start


def _context_after(text: str, index: int, han: int) -> int:
    end = index
    while end < len(text) and end - index < 12 and WORD_CHAR.match(text[end]):
        end += 1
    while end == index or (end > index and HAN.match(text[end - 1]) and end - index < han):
        if end == len(text) or not (HAN.match(text[end]) or end == index) or text[end] == " ":
            break
        end += 1
    return end


def _autocorrect_rule(old: str, start: int, end: int, new: str) -> str:
    before = old[start:end]
    if (before + new).strip():
        return "number-style" if (before + new).strip().isdigit() else "punctuation"
    number = re.search(r"(?<![A-Za-z0-9.,-])\d[\d.,]*(?<=\d)$", old[:start])
    return "number-style" if number and old[end:end + 1] in UNITS else "spacing"


def _steps(autocorrected: dict[str, str]) -> tuple[Step, ...]:
    """The rules in the order they apply: autocorrect's first, then the house's own."""
    return (
        Step(lambda prose: autocorrected.get(prose, prose), _autocorrect_rule),
        Step(label_colon, lambda *_: "punctuation"),
        Step(terminology, lambda *_: "terminology", _terms_found),
        Step(number_ranges, lambda *_: "number-style"),
    )
