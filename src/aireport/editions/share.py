"""What a shared link and a search engine see: social cards, the favicon, sitemap.xml and robots.txt.

Social cards (1200 x 630 PNG, the size Open Graph and Twitter's large card
expect) are drawn with Pillow in the booklet's Simplified Chinese faces, so a
card never shows Chinese as empty boxes. The favicon is shapes only (no text,
so no font): a red tile with a timeline of three dots, as SVG, PNG and ICO.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from aireport.config import Config
from aireport.editions.site import Site
from aireport.report.model import Report

CARD_SIZE = (1200, 630)
ACCENT, INK, MUTED, WASH = "#b3111e", "#1d232b", "#5b6573", "#f5f6f8"
SITE_CARD_PATH = "assets/card.png"
SITEMAP_PATH, ROBOTS_PATH = "sitemap.xml", "robots.txt"
FAVICON_SVG, FAVICON_ICO, TOUCH_ICON = "favicon.svg", "favicon.ico", "apple-touch-icon.png"

# The favicon on a 64-unit grid: a rounded red tile, a white line and three white dots along it.
FAVICON_TILE = (0, 0, 64, 64, 12)
FAVICON_LINE = (14, 44, 50, 20)
FAVICON_DOTS = ((14, 44), (32, 32), (50, 20))
FAVICON_DOT_R = 7


def card_path(year: int) -> str:
    return f"{year}/card.png"


def year_card(report: Report, config: Config) -> bytes:
    """The year's card: the house band, the year large in red, the title, the subtitle, the site's address."""
    return _card(config, str(report.year), report.title, report.subtitle or "", config.title)


def site_card(config: Config, years: list[int]) -> bytes:
    """The archive's card: the site's name and description, and the years it holds."""
    shelf = "往期：" + " · ".join(str(year) for year in years[:8]) if years else ""
    return _card(config, "", config.title, config.description, config.publisher, shelf)


def _card(config: Config, year: str, title: str, subtitle: str, band: str, shelf: str = "") -> bytes:
    from PIL import Image, ImageDraw

    from aireport.editions.raster import faces, font, png_bytes

    regular, bold = faces(config)
    width, height = CARD_SIZE
    image = Image.new("RGB", CARD_SIZE, "#ffffff")
    pen = ImageDraw.Draw(image)
    pen.rectangle([0, 0, width, 72], fill=ACCENT)
    pen.text((72, 48), band, fill="#ffffff", font=font(regular, 30), anchor="ls")
    y = 96
    if year:
        pen.text((64, 250), year, fill=ACCENT, font=font(bold, 170), anchor="ls")
        y = 270
    title_font = font(bold, 64 if year else 80)
    for line in _lines(title, title_font, width - 144, 2):
        y += title_font.size + 16
        pen.text((72, y), line, fill=INK, font=title_font, anchor="ls")
    subtitle_font = font(regular, 36)
    y += 20
    for line in _lines(subtitle, subtitle_font, width - 144, 2):
        y += subtitle_font.size + 14
        pen.text((72, y), line, fill=MUTED, font=subtitle_font, anchor="ls")
    if shelf:
        pen.text((72, y + 110), shelf, fill=ACCENT, font=font(bold, 44), anchor="ls")
    pen.rectangle([0, height - 64, width, height], fill=WASH)
    pen.rectangle([0, height - 64, 12, height], fill=ACCENT)
    host = config.site_url.split("://", 1)[-1]
    pen.text((72, height - 22), host, fill=INK, font=font(regular, 28), anchor="ls")
    return png_bytes(image)


def _lines(text: str, face, max_width: float, max_lines: int) -> list[str]:
    """Lines that fit `max_width` as Pillow measures them, breaking between characters (Chinese needs no spaces)
    and before Latin words where it can; the last line kept ends with … when text is left over."""
    from aireport.editions.cover import wrap

    if not text:
        return []
    em = face.getlength("中")
    lines = wrap(text, max_width / em, max_lines)
    fitted = []
    for line in lines:  # wrap estimates Latin widths; trim what Pillow measures as too long
        while face.getlength(line) > max_width and len(line) > 1:
            line = line[:-2] + "…"
        fitted.append(line)
    return fitted


def favicon_svg() -> bytes:
    x, y, w, h, r = FAVICON_TILE
    dots = "".join(f'<circle cx="{cx}" cy="{cy}" r="{FAVICON_DOT_R}" fill="#fff"/>' for cx, cy in FAVICON_DOTS)
    x1, y1, x2, y2 = FAVICON_LINE
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" fill="{ACCENT}"/>'
            f'<path d="M{x1} {y1}L{x2} {y2}" stroke="#fff" stroke-width="5" stroke-linecap="round"/>{dots}</svg>\n'
            ).encode()


def favicon_png(size: int) -> bytes:
    from aireport.editions.raster import png_bytes

    return png_bytes(_favicon_image(size))


def favicon_ico() -> bytes:
    import io

    buffer = io.BytesIO()
    _favicon_image(48).save(buffer, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return buffer.getvalue()


def _favicon_image(size: int):
    from PIL import Image, ImageDraw

    scale = 8  # drawn large and scaled down: smooth edges without an antialiasing pen
    big = size * scale
    unit = big / 64
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    x, y, w, h, r = FAVICON_TILE
    pen.rounded_rectangle([x * unit, y * unit, (x + w) * unit - 1, (y + h) * unit - 1], radius=r * unit, fill=ACCENT)
    x1, y1, x2, y2 = FAVICON_LINE
    pen.line([(x1 * unit, y1 * unit), (x2 * unit, y2 * unit)], fill="#ffffff", width=round(5 * unit))
    for cx, cy in FAVICON_DOTS:
        d = FAVICON_DOT_R * unit
        pen.ellipse([cx * unit - d, cy * unit - d, cx * unit + d, cy * unit + d], fill="#ffffff")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def favicon_files() -> dict[str, bytes]:
    return {FAVICON_SVG: favicon_svg(), FAVICON_ICO: favicon_ico(), TOUCH_ICON: favicon_png(180)}


def render_sitemap(site: Site) -> dict[str, bytes]:
    """sitemap.xml (the archive, every year's page, the subscribe page) and robots.txt pointing to it."""
    newest = max((r.updated for r in site.reports), default=None)
    entries = [(site.home_url, newest)] + [(site.page_url(r.year), r.updated) for r in site.reports]
    entries.append((site.subscribe_url, None))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, modified in entries:
        lastmod = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {site.config.url(SITEMAP_PATH)}\n"
    return {SITEMAP_PATH: "\n".join(lines).encode(), ROBOTS_PATH: robots.encode()}
