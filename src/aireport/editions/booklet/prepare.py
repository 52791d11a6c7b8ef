"""The PDF booklet edition: the report laid out for screen and print by WeasyPrint.

Steps: choose the Chinese faces, render the booklet's HTML and mark up its
Chinese line composition (clreq.py), cut the faces down to the characters that
HTML uses (cached), check every character has a font, then let WeasyPrint lay
it out (aireport.editions.booklet.typesetting) with nothing to fetch but the
cut-down faces, the templates and the report's own folder. The text column is
a whole number of characters wide (paper_context), so lines of Chinese fill it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from markupsafe import Markup

from aireport import __version__
from aireport.editions.booklet.addresses import printed_url
from aireport.editions.booklet.clreq import compose
from aireport.editions.booklet.fontcache import covered, subset_face
from aireport.editions.booklet.fonts import Face, Fonts, check_coverage, find_fonts, licence_of
from aireport.report.model import Report
from aireport.editions.booklet.qr import qr_codes
from aireport.editions.site import Site
from aireport.editions.templating import render
from aireport.editions.timeline import timeline_svg
from aireport.editions.booklet.typesetting import Booklet, typeset_booklet
from aireport.usercache import cache_root

LINK_KINDS = {"video": "视频", "article": "文章", "paper": "论文", "image": "图片"}
# Links a reader of the printed booklet would open on a phone get a QR code.
QR_KINDS = ("video", "article", "paper")
# Characters WeasyPrint draws that need not appear in the HTML: page numbers,
# leaders and list markers.
GENERATED = "0123456789.•◦▪‐–—…"
# The URLs of the cut-down fonts, which WeasyPrint loads from memory.
MEMORY_SCHEME = "aireport-memory"


@dataclass(frozen=True)
class Paper:
    name: str
    width: str
    height: str
    columns: int  # characters of body text a line holds: the outer margin makes the rest
    margin_top: str
    margin_bottom: str
    margin_inner: str
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
    "A5": Paper(name="A5", width="148mm", height="210mm", columns=35,
                margin_top="17mm", margin_bottom="18mm", margin_inner="17mm",
                body="9.5pt", small="7.5pt", h2="16pt", h3="11pt", year="54pt", title="22pt", subtitle="12pt",
                qr="17mm", cover_image="80mm"),
    "A4": Paper(name="A4", width="210mm", height="297mm", columns=44,
                margin_top="24mm", margin_bottom="24mm", margin_inner="25mm",
                body="10.5pt", small="8.5pt", h2="20pt", h3="13pt", year="80pt", title="30pt", subtitle="15pt",
                qr="20mm", cover_image="120mm"),
}


def render_booklet(report: Report, site: Site) -> dict[str, bytes]:
    """The booklet, prepared and typeset in this process."""
    return typeset_booklet(prepare_booklet(report, site))


def prepare_booklet(report: Report, site: Site) -> Booklet:
    """Everything WeasyPrint needs to lay the booklet out, without importing it: `aireport
    publish` prepares booklets beside the other editions and typesets them in worker processes."""
    cache = cache_root()
    fonts = find_fonts(site.config.root, site.config.font_dir)
    html = booklet_html(report, site, fonts, embed_fonts=True, cache=cache)
    chars = characters(html)
    subsets = {face: subset_face(face, chars, cache) for face in fonts.faces}
    check_coverage(report, chars, set().union(*(covered(data) for data in subsets.values())))
    return Booklet(
        html=html,
        base_url=(site.config.templates_dir / "pdf").resolve().as_uri() + "/",
        folders=(site.config.templates_dir, report.path.parent),
        memory={_font_url(rule.face): subsets[rule.face] for rule in fonts.rules},
        source=report.path,
        output=site.pdf_path(report.year),
    )


def booklet_html(report: Report, site: Site, fonts: Fonts, embed_fonts: bool, cache: Path | None) -> str:
    """The booklet as one HTML document with its stylesheet inside.

    With `embed_fonts` the text is set in the cut-down faces (@font-face);
    without, in the installed families of the same name (for comparisons).
    """
    font_context = _font_context(fonts, embed_fonts)
    css = render(site.env, "pdf/booklet.css", **font_context, paper=paper_context(PAPERS[site.config.paper]))
    timeline = timeline_svg(report, font_family=f"'{font_context['sans']}'", svg_id="timeline-chart",
                            size=("100%", None))
    web_url = site.page_url(report.year)
    codes = qr_codes([link.url for link in report.links if link.kind in QR_KINDS] + [web_url], cache)
    urls = [link.url for link in report.links] + [s.url for s in report.sources if s.url] + [web_url]
    return compose(render(
        site.env, "pdf/booklet.html",
        report=report, site=site, version=__version__, stylesheet=Markup(css),
        cover_url=report.cover.path.as_uri() if report.cover else None,
        timeline_svg=Markup(timeline) if timeline else None,
        qr_codes=codes,
        printed={url: printed_url(url) for url in urls},
        kinds=LINK_KINDS, web_url=web_url, opening_sections=opening_sections(report),
        font_credits=[{"family": face.family, "licence": licence_of(face)}
                      for face in dict.fromkeys((fonts.body, fonts.text))],
    ))


def opening_sections(report: Report) -> set[str]:
    """The anchors of the sections that start a page: only the first, which opens the body
    after the contents. The others follow on, a gap above them, so that no section ending
    early leaves most of a page empty."""
    return {section.anchor for section in report.sections[:1]}


def paper_context(paper: Paper) -> dict:
    """The paper's sizes for the stylesheet, with the outer margin that makes the text column
    a whole number of characters wide (the 版心 grid): lines of Chinese then fill it exactly.
    Rounded down, so the column is never a hair too narrow for its last character."""
    column = paper.columns * _points(paper.body) * 25.4 / 72
    outer = math.floor((_millimetres(paper.width) - _millimetres(paper.margin_inner) - column) * 1e4) / 1e4
    return asdict(paper) | {"margin_outer": f"{outer}mm"}


def _millimetres(length: str) -> float:
    assert length.endswith("mm"), length
    return float(length[:-2])


def _points(length: str) -> float:
    assert length.endswith("pt"), length
    return float(length[:-2])


def characters(html: str) -> set[str]:
    """Every character the booklet can draw: the document's (markup included, which costs
    only some Latin letters), the generated ones and printable ASCII."""
    ascii_printable = {chr(code) for code in range(0x20, 0x7F)}
    return {c for c in html if c.isprintable()} | set(GENERATED) | ascii_printable


def _font_context(fonts: Fonts, embed: bool) -> dict:
    if not embed:
        return {"font_faces": [], "serif": fonts.body.family, "sans": fonts.text.family}
    faces = [{"family": rule.family, "weight": rule.weight, "url": _font_url(rule.face)} for rule in fonts.rules]
    return {"font_faces": faces, "serif": fonts.serif_family, "sans": fonts.sans_family}


def _font_url(face: Face) -> str:
    return f"{MEMORY_SCHEME}:{face.path.stem}-{face.index}.otf"
