"""The PDF booklet edition: the report laid out for screen and print by WeasyPrint.

Steps: choose the Chinese faces, render the booklet's HTML, cut the faces down
to the characters that HTML uses (cached), check every character has a font,
then let WeasyPrint lay it out with nothing to fetch but the cut-down faces,
the templates and the report's own folder.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from markupsafe import Markup

from aireport import __version__
from aireport.errors import BuildError, display_path
from aireport.fontcache import covered, subset_face
from aireport.fonts import Face, Fonts, check_coverage, find_fonts, licence_of
from aireport.model import Report
from aireport.qr import qr_codes
from aireport.site import Site
from aireport.templating import render
from aireport.usercache import cache_root

LOG = logging.getLogger(__name__)
LINK_KINDS = {"video": "视频", "article": "文章", "paper": "论文", "image": "图片"}
# Links a reader of the printed booklet would open on a phone get a QR code.
QR_KINDS = ("video", "article", "paper")
# Characters WeasyPrint draws that need not appear in the HTML: page numbers,
# leaders and list markers.
GENERATED = "0123456789.•◦▪‐–—…"


@dataclass(frozen=True)
class Paper:
    name: str
    height: str
    margin_top: str
    margin_bottom: str
    margin_inner: str
    margin_outer: str
    body: str  # font sizes
    small: str
    h2: str
    h3: str
    year: str
    title: str
    subtitle: str
    qr: str  # side of a QR code
    cover_image: str  # tallest cover image


PAPERS = {
    "A5": Paper(name="A5", height="210mm",
                margin_top="17mm", margin_bottom="18mm", margin_inner="17mm", margin_outer="14mm",
                body="9.5pt", small="7.5pt", h2="16pt", h3="11pt", year="54pt", title="22pt", subtitle="12pt",
                qr="17mm", cover_image="80mm"),
    "A4": Paper(name="A4", height="297mm",
                margin_top="24mm", margin_bottom="24mm", margin_inner="25mm", margin_outer="20mm",
                body="10.5pt", small="8.5pt", h2="20pt", h3="13pt", year="80pt", title="30pt", subtitle="15pt",
                qr="20mm", cover_image="120mm"),
}


def render_pdf(report: Report, site: Site) -> dict[str, bytes]:
    _warn_without_harfbuzz_subset()
    cache = cache_root()
    fonts = find_fonts(site.config.root, site.config.font_dir)
    html = booklet_html(report, site, fonts, embed_fonts=True, cache=cache)
    chars = characters(html)
    subsets = {face: subset_face(face, chars, cache) for face in fonts.faces}
    check_coverage(report, chars, set().union(*(covered(data) for data in subsets.values())))
    memory = {_font_url(rule.face): subsets[rule.face] for rule in fonts.rules}
    return {site.pdf_path(report.year): write_pdf(html, report, site, memory)}


def preload() -> None:
    """Import WeasyPrint ahead of time; booklet worker processes call this as they start.

    Only the import: by the time it ends the booklet is waiting, so a warm-up render
    would delay it by more than it saves.
    """
    import weasyprint  # noqa: F401


def booklet_html(report: Report, site: Site, fonts: Fonts, embed_fonts: bool, cache: Path | None) -> str:
    """The booklet as one HTML document with its stylesheet inside.

    With `embed_fonts` the text is set in the cut-down faces (@font-face);
    without, in the installed families of the same name (for comparisons).
    """
    css = render(site.env, "pdf/booklet.css", **_font_context(fonts, embed_fonts),
                 paper=asdict(PAPERS[site.config.paper]))
    web_url = site.page_url(report.year)
    codes = qr_codes([link.url for link in report.links if link.kind in QR_KINDS] + [web_url], cache)
    urls = [link.url for link in report.links] + [s.url for s in report.sources if s.url] + [web_url]
    return render(
        site.env, "pdf/booklet.html",
        report=report, site=site, version=__version__, stylesheet=Markup(css),
        cover_url=report.cover.path.as_uri() if report.cover else None,
        qr_codes=codes,
        printed={url: printed_url(url) for url in urls},
        kinds=LINK_KINDS, web_url=web_url,
        font_credits=[{"family": face.family, "licence": licence_of(face)}
                      for face in dict.fromkeys((fonts.body, fonts.text))],
    )


def printed_url(url: str) -> Markup:
    """A URL for print: it may break anywhere but right after a hyphen, where a reader
    would take the hyphen for a hyphenation and leave it out."""
    parts = re.split(r"(-.?)", url)
    return Markup("").join(Markup('<span class="keep">{}</span>').format(part) if part.startswith("-")
                           else part for part in parts if part)


def characters(html: str) -> set[str]:
    """Every character the booklet can draw: the document's (markup included, which costs
    only some Latin letters), the generated ones and printable ASCII."""
    ascii_printable = {chr(code) for code in range(0x20, 0x7F)}
    return {c for c in html if c.isprintable()} | set(GENERATED) | ascii_printable


def write_pdf(html: str, report: Report, site: Site, memory: dict[str, bytes]) -> bytes:
    """Lay the booklet out; nothing may be fetched beyond `memory`, templates/ and the report's folder."""
    from weasyprint import HTML

    from aireport.fetcher import RefusedURL, RestrictedFetcher

    folders = (site.config.templates_dir, report.path.parent)
    fetcher = RestrictedFetcher(folders, memory)
    base_url = (site.config.templates_dir / "pdf").resolve().as_uri() + "/"
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        # A content-derived /ID and the report's own dates keep the bytes reproducible.
        return document.write_pdf(pdf_identifier=True, optimize_images=True, jpeg_quality=85, dpi=300)
    except RefusedURL as refused:
        allowed = " and ".join(f"{display_path(folder)}/" for folder in folders)
        raise BuildError(f"{display_path(report.path)}: the PDF booklet refers to {refused.url}, "
                         f"but may only use files in {allowed}; put the file beside the report "
                         "or remove the reference") from None


def _font_context(fonts: Fonts, embed: bool) -> dict:
    if not embed:
        return {"font_faces": [], "serif": fonts.body.family, "sans": fonts.text.family}
    faces = [{"family": rule.family, "weight": rule.weight, "url": _font_url(rule.face)} for rule in fonts.rules]
    return {"font_faces": faces, "serif": fonts.serif_family, "sans": fonts.sans_family}


def _font_url(face: Face) -> str:
    from aireport.fetcher import RestrictedFetcher

    return RestrictedFetcher.memory_url(f"{face.path.stem}-{face.index}.otf")


@functools.cache
def _warn_without_harfbuzz_subset() -> None:
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is None:
        LOG.warning("libharfbuzz-subset is not installed, so WeasyPrint cuts fonts down with fontTools "
                    "and the PDF takes about 20 times longer; install it "
                    "(Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0)")
