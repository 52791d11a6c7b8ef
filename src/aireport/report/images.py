"""The cover image: its kind and size read from its first bytes, before anything decodes it.

A PNG of 50,000 x 50,000 pixels is a few hundred kilobytes on disk and gigabytes
once decoded (a decompression bomb), so the size in its header is checked first.
SVG is refused: WeasyPrint would draw it with its own partial SVG support and
fetch what it links to, and a failure there drops the image without a word.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAX_PIXELS = 40_000_000  # 8000 x 5000; a cover 120 mm tall at 300 dpi needs about 1,400 x 1,000
HEADER_BYTES = 256 * 1024  # a JPEG's size comes after its other headers (EXIF, colour profile)
KINDS = "PNG or JPEG"


def cover_problem(path: Path) -> str | None:
    """Why the file cannot be the cover, or None."""
    try:
        with path.open("rb") as file:
            head = file.read(HEADER_BYTES)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    size = _png_size(head) if head.startswith(b"\x89PNG\r\n\x1a\n") else \
        _jpeg_size(head) if head.startswith(b"\xff\xd8") else None
    if size is None:
        kind = "an SVG drawing" if b"<svg" in head[:4096].lower() else "not an image aireport can read"
        return f"is {kind}; the cover must be a {KINDS} file (export it as PNG)"
    width, height = size
    if width < 1 or height < 1:
        return "has no pixels according to its header; save it again"
    if width * height > MAX_PIXELS:
        return (f"is {width} x {height} pixels, more than {MAX_PIXELS // 1_000_000} million; "
                "scale it down (a booklet cover needs about 1,500 pixels on its long side)")
    return None


def _png_size(head: bytes) -> tuple[int, int] | None:
    if head[12:16] != b"IHDR" or len(head) < 24:
        return None
    return struct.unpack(">II", head[16:24])


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame marker."""
    index = 2
    while index + 9 <= len(head):
        if head[index] != 0xFF:
            return None
        marker = head[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            index += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", head[index + 2:index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[index + 5:index + 9])
            return width, height
        index += 2 + length
    return None
