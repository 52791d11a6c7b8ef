"""Fonts cut down to the characters of one report, cached by character set.

A Chinese face holds some 65 000 glyphs in a 20 MB collection; a report uses
about a thousand. Handing WeasyPrint the cut-down face makes it load, lay out
and embed far less (a faster render, a smaller PDF, less memory). HarfBuzz cuts
a face in about a hundredth of a second; reading the result back from the
cache (aireport.usercache), keyed by the face file, the character set and the
recipe below, is faster still.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from aireport.errors import BuildError, display_path
from aireport.editions.booklet.fonts import Face
from aireport.usercache import cached, make_key

# Bump when the subsetting below changes, so old cache entries are not reused.
SUBSET_VERSION = "3"
# The OpenType features horizontal Chinese and Latin text needs. Without `locl`
# the face can only draw its own (Simplified Chinese) glyph forms. `halt` sets
# punctuation at half width, for squeezing adjacent marks (editions/booklet/clreq.py).
LAYOUT_FEATURES = ("ccmp", "kern", "liga", "clig", "calt", "mark", "mkmk", "rlig", "halt")
# The name table entries kept: the family and style names, and the copyright and licence.
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)
BUDGET = 100 * 2**20  # a few hundred character sets of three faces


def subset_face(face: Face, chars: Iterable[str], cache: Path | None) -> bytes:
    """The face with only the glyphs for `chars` (and what they need), as OpenType bytes."""
    codepoints = sorted({ord(c) for c in chars})
    if cache is None:
        return _subset(face, codepoints)
    return cached(cache / "fonts", _key(face, codepoints), lambda: _subset(face, codepoints), BUDGET)


def covered(data: bytes) -> set[str]:
    """The characters a (cut-down) face has glyphs for."""
    import uharfbuzz

    return {chr(code) for code in uharfbuzz.Face(data).unicodes}


def _key(face: Face, codepoints: list[int]) -> str:
    import uharfbuzz

    stat = face.path.stat()
    return make_key(
        f"{face.path.resolve()}|{face.index}|{stat.st_size}|{stat.st_mtime_ns}",
        f"{SUBSET_VERSION}|{uharfbuzz.version_string()}|{','.join(LAYOUT_FEATURES)}|{NAME_IDS}",
        ",".join(f"{c:x}" for c in codepoints),
    )


def _subset(face: Face, codepoints: list[int]) -> bytes:
    import uharfbuzz

    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(codepoints)
    request.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE
    for kept, values in ((uharfbuzz.SubsetInputSets.LAYOUT_FEATURE_TAG, map(_tag, LAYOUT_FEATURES)),
                         (uharfbuzz.SubsetInputSets.NAME_ID, NAME_IDS)):
        chosen = request.sets(kept)
        chosen.clear()
        chosen.update(values)
    try:
        original = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(face.path)), face.index)
        subset = uharfbuzz.subset(original, request)
    except (RuntimeError, OSError, ValueError):  # a damaged file: HarfBuzz says only "Subsetting failed"
        subset = None
    if subset is None:
        raise BuildError(f"{display_path(face.path)}: HarfBuzz cannot cut this font down for the booklet "
                         "(is the file damaged?); choose another font (font_dir in [tool.aireport])")
    return bytes(subset.blob.data)


def _tag(name: str) -> int:
    """An OpenType tag as HarfBuzz numbers it."""
    return int.from_bytes(name.encode("ascii"), "big")
