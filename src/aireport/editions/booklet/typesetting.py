"""Laying a prepared booklet out with WeasyPrint: the slowest step of a publish.

The booklet edition (prepare.py) prepares a `Booklet`: its HTML, its cut-down
fonts and the folders it may load files from. Turning that into PDF bytes needs
little else of aireport (the justification between Chinese characters,
justify.py), so a booklet worker process imports just these modules and
WeasyPrint. The laid-out pages are then brought to a multiple of four, for
printing on folded sheets, before the PDF is written.
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aireport.errors import BuildError, display_path

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Booklet:
    html: str
    base_url: str  # what relative URLs in the HTML are relative to
    folders: tuple[Path, ...]  # the only folders it may load files from
    memory: dict[str, bytes]  # generated files (the cut-down fonts), by URL
    source: Path  # the report, named in errors
    output: str  # its path in the output folder


def preload() -> None:
    """Import WeasyPrint ahead of time; booklet worker processes call this as they start.

    Only the import: by the time it ends the booklet is waiting, so a warm-up render
    would delay it by more than it saves.
    """
    if "weasyprint" not in sys.modules:
        with _library_search_in_ldconfig_cache():
            import weasyprint  # noqa: F401


def typeset_booklet(booklet: Booklet) -> dict[str, bytes]:
    """The booklet's file, as every edition gives its files."""
    return {booklet.output: typeset(booklet)}


def typeset(booklet: Booklet) -> bytes:
    """The booklet as PDF; nothing may be fetched beyond its memory and its folders."""
    preload()
    from weasyprint import HTML

    from aireport.editions.booklet.fetcher import RefusedURL, RestrictedFetcher
    from aireport.editions.booklet.justify import inter_character_justification

    _warn_without_harfbuzz_subset()
    fetcher = RestrictedFetcher(booklet.folders, booklet.memory)
    try:
        with _fewer_garbage_collections(), inter_character_justification():
            html = HTML(string=booklet.html, base_url=booklet.base_url, url_fetcher=fetcher)
            # A content-derived /ID and the report's own dates keep the bytes reproducible.
            options = {"pdf_identifier": True, "optimize_images": True, "jpeg_quality": 85, "dpi": 300}
            document = html.render(**options)
            _only_web_links(document)
            return document.copy(whole_sheets(document.pages)).write_pdf(**options)
    except RefusedURL as refused:
        allowed = " and ".join(f"{display_path(folder)}/" for folder in booklet.folders)
        raise BuildError(f"{display_path(booklet.source)}: the PDF booklet refers to {refused.url}, "
                         f"but may only use files in {allowed}; put the file beside the report "
                         "or remove the reference") from None
    except RecursionError:
        raise BuildError(f"{display_path(booklet.source)}: the PDF booklet nests too deeply for WeasyPrint; "
                         "run `aireport check` and flatten what it names") from None
    except Exception as exc:  # noqa: BLE001 -- a damaged font or image fails deep inside WeasyPrint
        detail = " ".join(str(exc).split())[:200]
        raise BuildError(f"{display_path(booklet.source)}: WeasyPrint could not lay the booklet out "
                         f"({type(exc).__name__}: {detail}); check the fonts in font_dir and the cover "
                         "image") from None


WEB_LINK = ("http://", "https://", "mailto:")


def _only_web_links(document) -> None:
    """Keep links within the booklet and to the web; drop any other (a relative link made absolute
    against the templates folder would be a file:// link, which some readers open over SMB)."""
    for page in document.pages:
        page.links[:] = [link for link in page.links
                         if link[0] == "internal" or (link[0] == "external" and link[1].lower().startswith(WEB_LINK))]


def whole_sheets(pages: list) -> list:
    """The pages, the notes page (id "notes") repeated or left out so that their number is a
    multiple of four: a booklet is printed four pages to a folded sheet."""
    notes = [index for index, page in enumerate(pages) if "notes" in page.anchors]
    if not notes:
        return pages
    index = notes[0]
    copies = {0: 1, 1: 0, 2: 3, 3: 2}[len(pages) % 4]
    return pages[:index] + [pages[index]] * copies + pages[index + 1:]


@contextmanager
def _fewer_garbage_collections() -> Iterator[None]:
    """Laying a booklet out allocates millions of short-lived objects but few cycles:
    looking for cycles less often than Python's default saves about a tenth of the time."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 10_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@contextmanager
def _library_search_in_ldconfig_cache() -> Iterator[None]:
    """WeasyPrint's import, a third faster on Linux.

    WeasyPrint tries several names for each of its libraries, other systems'
    first, and cffi asks ctypes.util.find_library about every name that does not
    load. On Linux each question runs ldconfig, then gcc and ld where ldconfig
    does not know the name: some fifty processes (Kozea/WeasyPrint#1125). Here
    the search stops at ldconfig's cache; a library only gcc or ld would find is
    found anyway, by the Linux file name that ends WeasyPrint's list.
    """
    import ctypes.util

    in_cache = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or in_cache is None:
        yield
        return
    find_library = ctypes.util.find_library
    ctypes.util.find_library = in_cache
    try:
        yield
    finally:
        ctypes.util.find_library = find_library


@functools.cache
def _warn_without_harfbuzz_subset() -> None:
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is None:
        LOG.warning("libharfbuzz-subset is not installed, so WeasyPrint cuts fonts down with fontTools "
                    "and the PDF takes about 20 times longer; install it "
                    "(Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0)")
