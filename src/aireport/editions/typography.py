"""Line-breaking glue for the HTML editions: no orphans, no break inside "GPT-3".

A Chinese paragraph may break between any two characters, so its last line can
hold a single character ("理。"), which a typesetter never lets stand. The last
two characters of each block, with the punctuation that follows them, are kept
together in a no-wrap span; so is every hyphenated Latin name, where a browser
would otherwise break after the hyphen ("GPT-" / "3"). The span carries its
style inline: mail clients keep style attributes where they drop stylesheets,
and `text-wrap: pretty`, which does the same in browsers, is unknown to them.
Copy and paste are unchanged: only markup is added.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

NOWRAP = '<span style="white-space:nowrap">'
_GLUE = re.compile(re.escape(NOWRAP) + r"([^<]*)</span>")
_TOKEN = re.compile(r"(<[^>]*>)")
_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|dl|dt|dd|h[1-6]|td|th|tr|table|thead|tbody|blockquote|pre|div|"
                        r"section|br)\b", re.I)
_CODE_OPEN = re.compile(r"<(?:code|pre)\b", re.I)
_CODE_CLOSE = re.compile(r"</(?:code|pre)\b", re.I)
# Characters that may not start a line: they stay with the glued characters before them.
_CLOSING = r"(?:[，。、；：？！）》」』】〉”’…—·%,.;:!?)\]}]|&quot;|&#34;|&#39;|&#x27;)"
_UNIT = r"(?:[A-Za-z0-9][A-Za-z0-9_.+/%-]*|&#?\w+;|[^\s<>&])"
_TAIL = re.compile(rf"{_UNIT}{_CLOSING}*(?:[ \t]?){_UNIT}{_CLOSING}*\s*$")
_LONGEST_TAIL = 16  # characters; a longer run (a URL) is left free to wrap, or it would overflow a phone
_TAIL_WINDOW = 64  # characters at the end of a block searched for its tail: more than any tail kept
_HYPHENATED = re.compile(r"(?<![A-Za-z0-9_/.:@%=?&#~+-])[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){1,3}"
                         r"(?![A-Za-z0-9_/.=?#-]|&amp;)", re.ASCII)


def keep_together(value: str) -> Markup:
    """HTML (or text, escaped first) with each block's last characters and hyphenated names unbreakable."""
    tokens = _TOKEN.split(str(value if isinstance(value, Markup) else escape(value)))
    code_depth, last_text = 0, None
    for index, token in enumerate(tokens):
        if index % 2:  # a tag
            if _BLOCK_TAG.match(token):
                _glue_tail(tokens, last_text)
                last_text = None
            code_depth += 1 if _CODE_OPEN.match(token) else -1 if _CODE_CLOSE.match(token) else 0
        elif token.strip() and code_depth <= 0:
            tokens[index] = _HYPHENATED.sub(lambda m: f"{NOWRAP}{m.group(0)}</span>", token)
            last_text = index
    _glue_tail(tokens, last_text)
    return Markup("".join(tokens))


def without_glue(html: str) -> str:
    """The HTML without the no-wrap spans, for readers that drop their style (feeds)."""
    return _GLUE.sub(r"\1", html)


def _glue_tail(tokens: list[str], index: int | None) -> None:
    """Wrap the last two characters (or words) of tokens[index] with their closing punctuation."""
    if index is None:
        return
    text = tokens[index]
    if text.endswith("</span>") and NOWRAP in text:
        return  # it ends with a hyphenated name, already unbreakable
    if "://" in text:
        return  # an address shown as text breaks anywhere anyway
    # Only the end is searched: from every position of a long word the pattern would try each way of
    # splitting the rest into two units (cubic time). A match starting at the window's edge runs on
    # before it, so it is longer than any tail kept.
    window = max(0, len(text.rstrip()) - _TAIL_WINDOW)
    match = _TAIL.search(text, window)
    if not match or match.start() == window > 0:
        return
    tail = match.group(0).rstrip()
    if len(tail) > _LONGEST_TAIL or NOWRAP in tail:
        return
    start = match.start()
    tokens[index] = f"{text[:start]}{NOWRAP}{tail}</span>{text[start + len(tail):]}"
