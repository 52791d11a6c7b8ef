"""Web addresses as the printed booklet shows them beside their QR codes.

A reader types an address from paper only when the QR code fails, and reads it
to know where a link leads: what helps is the site and the page, not the
scheme, the `www.` or the tracking parameters a search or share button added
("youtube.com/watch?v=CSe3_u9P-RM", not the URL with its `&pp=…`). The link
itself (the PDF annotation, the QR code) keeps the full address.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from markupsafe import Markup

# Query parameters that only say where a click came from.
TRACKING = re.compile(r"utm_\w+|pp|si|feature|fbclid|gclid|igshid|spm|share_source|from|ref|ref_src|"
                      r"mc_cid|mc_eid|vd_source|_ga", re.I)
LONGEST = 56  # characters: one line beside a QR code on A5


def short_url(url: str) -> str:
    """The address without scheme, `www.`, tracking parameters or fragment; a proxy's
    address is the page it serves; a long path keeps its first and last parts."""
    parts = urlsplit(url)
    if parts.query.startswith(("http://", "https://")) and parts.path in ("", "/"):
        return short_url(parts.query)  # a proxy (…/?https://example.org/x) shows its target
    host = parts.hostname or ""
    host = host.removeprefix("www.") + (f":{parts.port}" if parts.port else "")
    path = unquote(parts.path).rstrip("/")
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if not TRACKING.fullmatch(key)]
    query = f"?{urlencode(kept, safe=':/')}" if kept else ""
    return _elide(host, path, query)


def printed_url(url: str) -> Markup:
    """The short address, breakable anywhere but right after a hyphen, where a reader would
    take the hyphen for a hyphenation and leave it out."""
    parts = re.split(r"(-.?)", short_url(url))
    return Markup("").join(Markup('<span class="keep">{}</span>').format(part) if part.startswith("-")
                           else part for part in parts if part)


def _elide(host: str, path: str, query: str) -> str:
    if len(host + path + query) <= LONGEST:
        return host + path + query
    segments = path.strip("/").split("/")
    if len(segments) > 2:
        path = f"/{segments[0]}/…/{segments[-1]}"
    address = host + path + query
    return address if len(address) <= LONGEST else address[: LONGEST - 1] + "…"
