"""QR codes as inline SVG, so a reader of the printed booklet can open a link with a phone."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from markupsafe import Markup

from aireport.usercache import cached, make_key

# Medium error correction survives a smudge or a fold at a modest size; a
# two-module margin is enough because the code stands in white space.
ERROR_LEVEL = "m"
QUIET_ZONE = 2
BUDGET = 8 * 2**20


def qr_codes(urls: Iterable[str], cache: Path | None) -> dict[str, Markup]:
    """An <svg> element for each URL, scaling to its CSS box (it has only a viewBox).

    Choosing the best of the eight masks takes a few milliseconds per code in
    pure Python, so a report's codes are cached together, like the fonts.
    """
    import segno

    wanted = sorted(set(urls))

    def make() -> bytes:
        codes = {url: segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False) for url in wanted}
        svgs = {url: code.svg_inline(border=QUIET_ZONE, omitsize=True, svgclass="qr", lineclass=None)
                for url, code in codes.items()}
        return json.dumps(svgs, sort_keys=True).encode()

    if cache is None:
        data = make()
    else:
        key = make_key(f"{segno.__version__}|{ERROR_LEVEL}|{QUIET_ZONE}", *wanted)
        data = cached(cache / "qr", key, make, BUDGET)
    return {url: Markup(svg) for url, svg in json.loads(data).items()}
