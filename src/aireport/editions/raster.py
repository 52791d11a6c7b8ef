"""PNG pictures drawn with Pillow: the timeline for mail clients, which show no SVG.

Text is set in the same Simplified Chinese faces as the booklet (found the same
way), so Chinese never shows as empty boxes. The same drawing, fonts and Pillow
version give the same bytes: nothing depends on the clock, and PNGs are saved
without metadata.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from aireport.config import Config
from aireport.editions.timeline import Dot, Drawing, Label, Stroke

PIL_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


def fingerprint(config: Config) -> str:
    """What the pictures depend on beyond the report: the faces they are drawn in and Pillow."""
    from importlib.metadata import version

    from aireport.editions.booklet.fonts import fingerprint as fonts_fingerprint

    return f"pillow {version('pillow')}\n{fonts_fingerprint(config)}"


@lru_cache(maxsize=4)
def sans_faces(root: Path, font_dir: str | None) -> tuple[tuple[str, int], tuple[str, int]]:
    """(path, index) of the regular and bold sans faces."""
    from aireport.editions.booklet.fonts import find_fonts

    fonts = find_fonts(root, font_dir)
    bold = fonts.bold or fonts.text
    return (str(fonts.text.path), fonts.text.index), (str(bold.path), bold.index)


@lru_cache(maxsize=64)
def font(face: tuple[str, int], size: float):
    from PIL import ImageFont

    return ImageFont.truetype(face[0], size=round(size), index=face[1], layout_engine=ImageFont.Layout.BASIC)


def faces(config: Config) -> tuple[tuple[str, int], tuple[str, int]]:
    return sans_faces(config.root, config.font_dir)


def drawing_png(drawing: Drawing, config: Config, scale: int = 2) -> bytes:
    """The drawing at `scale` times its size (2: sharp on high-density screens)."""
    from PIL import Image, ImageDraw  # noqa: F401

    regular, bold = faces(config)
    image = Image.new("RGB", (drawing.width * scale, drawing.height * scale), "#ffffff")
    pen = ImageDraw.Draw(image)
    for shape in drawing.shapes:
        if isinstance(shape, Stroke):
            pen.line([(shape.x1 * scale, shape.y1 * scale), (shape.x2 * scale, shape.y2 * scale)],
                     fill=shape.colour, width=round(shape.width * scale))
        elif isinstance(shape, Dot):
            r = shape.r * scale
            pen.ellipse([shape.x * scale - r, shape.y * scale - r, shape.x * scale + r, shape.y * scale + r],
                        fill=shape.colour)
        elif isinstance(shape, Label):
            pen.text((shape.x * scale, shape.y * scale), shape.text, fill=shape.colour,
                     font=font(bold if shape.bold else regular, shape.size * scale), anchor=PIL_ANCHORS[shape.anchor])
    return png_bytes(image)


def png_bytes(image) -> bytes:
    buffer = io.BytesIO()
    # A palette of 64 colours keeps antialiased text smooth at a fraction of the bytes.
    image.quantize(colors=64, dither=0).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
