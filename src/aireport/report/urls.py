"""URL checks shared by the loader and the linter."""

from __future__ import annotations

from urllib.parse import urlsplit


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable web link, or None when it is."""
    if any(ch.isspace() for ch in url):
        return f"URL '{url}' contains white space; encode spaces as %20"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a malformed port
    except ValueError:
        return f"malformed URL '{url}'"
    if parts.scheme not in ("http", "https"):
        return f"URL '{url}' is not an http(s) link; only web links are allowed"
    if not parts.hostname or "." not in parts.hostname:
        return f"malformed URL '{url}': no host name"
    return None
