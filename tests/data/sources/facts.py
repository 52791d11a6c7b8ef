"""What the tests know about the source documents, and the one normalisation they share.

The sources themselves (slide-deck extractions and one saved web article) are
not part of the repository. An editor who has them regenerates the committed
facts with ``make_facts.py``; the tests read only those facts:

* ``YEAR.json`` -- the source URLs of that year's report, and for each source
  the truncated SHA-256 hashes of every run of ``K_SHORT`` and ``K_LONG``
  characters of its normalised text (enough to find text copied verbatim,
  not enough to rebuild the sources).

``normalise`` is applied alike to a source and to a report, so that a copied
run is found whatever spacing, punctuation or markup surrounds it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent

K_SHORT = 12
K_LONG = 20
HASH_CHARS = 12

# Decoration rather than content: the deck footer's URL with the author's name
# glued on by the extraction, and a background tile in the article's inline CSS.
NOT_CONTENT = {
    "https://github.com/chenzomi12/AIFoundationZOMI",
    "http://pic.zhishifenzi.com/w/58/zsfz1609416013.6438385.png",
}

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")
# A YouTube search parameter the deck extraction broke over two lines.
_URL_SPLIT = re.compile(r"(https?://[^\s<>\"'()\[\]]*pp=[^\s<>\"'()\[\]]+)\n\s*\n?([A-Za-z0-9%_-]{8,})\n")
_KEPT = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def source_urls(raw: str) -> list[str]:
    """The URLs of a source's raw text, in order, each once, decoration left out."""
    joined = _URL_SPLIT.sub(lambda m: m.group(1) + m.group(2) + "\n", raw)
    seen: dict[str, None] = {}
    for url in _URL.findall(joined):
        if url not in NOT_CONTENT:
            seen.setdefault(url, None)
    return list(seen)


def source_text(raw: str) -> str:
    """The readable text of a source: an HTML article loses its front matter, styles and tags."""
    if re.search(r"<(section|p|div|span)\b", raw):
        raw = re.sub(r"\A---\n.*?\n---\n", "", raw, flags=re.S)
        raw = re.sub(r"<(style|script)\b.*?</\1>", " ", raw, flags=re.S | re.I)
        raw = re.sub(r"<[^>]+>", " ", raw)
        raw = html.unescape(raw)
    return raw


def report_text(markdown: str) -> str:
    """The words of a report: front-matter keys, URLs, comments and attribute lists left out."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    match = re.match(r"\A---\n(.*?)\n---\n", text, flags=re.S)
    if match:
        front = re.sub(r"(?m)(^\s*(?:-\s*)?|[{,]\s*)[A-Za-z_]+:", r"\1", match.group(1))
        text = front + "\n" + text[match.end():]
    text = re.sub(r"\]\([^)\s]*\)", "]", text)  # link targets
    text = re.sub(r"\{[.#][^}]*\}|\{\s*source=[^}]*\}", " ", text)  # attribute lists
    return text


def normalise(text: str) -> str:
    """Han characters, Latin letters (lower-cased) and digits only; URLs dropped."""
    text = _URL.sub(" ", text)
    return "".join(_KEPT.findall(text)).lower()


def gram_hash(gram: str) -> str:
    return hashlib.sha256(gram.encode("utf-8")).hexdigest()[:HASH_CHARS]


def gram_hashes(norm: str, k: int) -> set[str]:
    return {gram_hash(norm[i:i + k]) for i in range(len(norm) - k + 1)}


def verbatim_share(norm_report: str, hashes: set[str], k: int) -> float:
    """Share of the report's characters inside a run of k or more characters that the source also has."""
    if not norm_report:
        return 0.0
    covered = bytearray(len(norm_report))
    for i in range(len(norm_report) - k + 1):
        if gram_hash(norm_report[i:i + k]) in hashes:
            covered[i:i + k] = b"\x01" * k
    return sum(covered) / len(norm_report)


def load(year: int) -> dict:
    """The committed facts of one year: {"urls": [...], "sources": {name: {"k12": set, "k20": set}}}."""
    data = json.loads((HERE / f"{year}.json").read_text(encoding="utf-8"))
    for source in data["sources"].values():
        for key in (f"k{K_SHORT}", f"k{K_LONG}"):
            source[key] = set(source[key])
    return data
