"""What WeasyPrint may load while it renders the booklet: nothing from the network,
no file outside the allowed folders (the templates and the report's own folder).

A refused URL stops the render with one line naming it, so a stray
`file:///etc/passwd` or a remote image can never end up inside a PDF.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class RefusedURL(FatalURLFetchingError):
    """A URL the booklet may not load. A BaseException, so WeasyPrint cannot turn it into a warning."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class RestrictedFetcher(URLFetcher):
    def __init__(self, folders: tuple[Path, ...], memory: dict[str, bytes]) -> None:
        memory_schemes = {urlsplit(url).scheme.lower() for url in memory}
        super().__init__(allowed_protocols=("file", "data", *sorted(memory_schemes)), allow_redirects=False)
        self.folders = tuple(folder.resolve() for folder in folders)
        self.memory = memory  # generated resources (the cut-down fonts), by URL

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url in self.memory:
            return URLFetcherResponse(url, self.memory[url], {"Content-Type": "font/otf"})
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)  # the data is in the URL itself
        if scheme == "file":
            path = self._allowed_file(url)
            if path is not None:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        raise RefusedURL(url)

    def _allowed_file(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()  # resolves symbolic links and `..`
        if path.is_file() and any(path.is_relative_to(folder) for folder in self.folders):
            return path
        return None
