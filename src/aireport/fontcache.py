"""Fonts cut down to the characters of one report, cached by character set.

A Chinese face holds some 65 000 glyphs in a 20 MB collection; a report uses
about a thousand. Handing WeasyPrint the cut-down face makes it load, lay out
and embed far less (a faster render, a smaller PDF, less memory). Cutting one
face takes a second or two, so the result is cached (aireport.usercache) under a
key made of the face file, the character set and the recipe below.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from aireport.fonts import Face
from aireport.usercache import cached, make_key

# Bump when the subsetting below changes, so old cache entries are not reused.
SUBSET_VERSION = "1"
# The OpenType features horizontal Chinese and Latin text needs. Without `locl`
# the face can only draw its own (Simplified Chinese) glyph forms.
LAYOUT_FEATURES = ("ccmp", "kern", "liga", "clig", "calt", "mark", "mkmk", "rlig")
BUDGET = 100 * 2**20  # a few hundred character sets of three faces


def subset_face(face: Face, chars: Iterable[str], cache: Path | None) -> bytes:
    """The face with only the glyphs for `chars` (and what they need), as OpenType bytes."""
    codepoints = sorted({ord(c) for c in chars})
    if cache is None:
        return _subset(face, codepoints)
    return cached(cache / "fonts", _key(face, codepoints), lambda: _subset(face, codepoints), BUDGET)


def covered(data: bytes) -> set[str]:
    """The characters a (cut-down) face has glyphs for."""
    from fontTools.ttLib import TTFont

    return {chr(code) for code in TTFont(io.BytesIO(data), lazy=True).getBestCmap()}


def _key(face: Face, codepoints: list[int]) -> str:
    import fontTools

    stat = face.path.stat()
    return make_key(
        f"{face.path.resolve()}|{face.index}|{stat.st_size}|{stat.st_mtime_ns}",
        f"{SUBSET_VERSION}|{fontTools.version}|{','.join(LAYOUT_FEATURES)}",
        ",".join(f"{c:x}" for c in codepoints),
    )


@contextmanager
def _quiet(name: str):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _subset(face: Face, codepoints: list[int]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = list(LAYOUT_FEATURES)
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence
    options.notdef_outline = True
    options.recalc_timestamp = False
    font = TTFont(face.path, fontNumber=face.index, lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    with _quiet("fontTools"):  # it warns about every table it drops, such as FontForge's FFTM
        subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()
