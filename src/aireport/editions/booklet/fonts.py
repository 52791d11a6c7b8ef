"""Fonts for the PDF booklet: find Simplified Chinese faces and check they cover the report.

The booklet names its faces itself instead of leaving the choice to font
fallback: fontconfig's fallback for Chinese text can pick a Japanese (JP) face
of Noto CJK, which draws Japanese forms of shared characters. Only faces of a
Simplified Chinese family are chosen here, either installed ones (found with
`fc-list`) or those in the `font_dir` folder of `[tool.aireport]`.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aireport.config import Config
from aireport.errors import AiReportError, display_path
from aireport.report.model import Report

# In order of preference: the first one found is used.
SERIF_FAMILIES = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "Noto Serif SC")
SANS_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",
                 "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback")
# Faces drawing the other regions' glyph forms, never chosen for Simplified Chinese text.
OTHER_REGIONS = (" JP", " KR", " TC", " HK", " Mono ")
FONT_SUFFIXES = (".otf", ".ttf", ".otc", ".ttc")
REGULAR, BOLD = 400, 700
FONTCONFIG_WEIGHTS = {0: 100, 40: 200, 50: 300, 55: 350, 75: 380, 80: 400, 100: 500, 180: 600,
                      200: 700, 205: 800, 210: 900, 215: 950}
# Characters that need no glyph of their own.
NO_GLYPH = ("Cc", "Cf", "Zs", "Zl", "Zp")
SCRIPT_RANGES = (
    (0x0000, 0x024F, "Latin"), (0x0370, 0x03FF, "Greek"), (0x0400, 0x04FF, "Cyrillic"),
    (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0900, 0x097F, "Devanagari"),
    (0x0E00, 0x0E7F, "Thai"), (0x1100, 0x11FF, "Hangul"), (0x2E80, 0x2FDF, "Han"),
    (0x3000, 0x303F, "CJK punctuation"), (0x3040, 0x309F, "Hiragana"), (0x30A0, 0x30FF, "Katakana"),
    (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xAC00, 0xD7AF, "Hangul"),
    (0xF900, 0xFAFF, "Han"), (0xFF00, 0xFFEF, "full-width"), (0x1F300, 0x1FAFF, "emoji"),
    (0x20000, 0x3134F, "Han"),
)


@dataclass(frozen=True)
class Face:
    """One face of a font file."""

    path: Path
    index: int  # the face's number inside a .ttc/.otc collection
    family: str
    weight: int  # CSS weight: 400 regular, 700 bold
    serif: bool


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule of the booklet: a CSS family name and weight, drawn by a face."""

    family: str
    weight: int
    face: Face


@dataclass(frozen=True)
class Fonts:
    """The faces the booklet sets its text in."""

    body: Face  # running text: a serif (Song) face where one is installed
    text: Face  # headings, labels and small print: a sans (Hei) face
    bold: Face | None  # bold sans; without one, bold is synthesised from `text`

    @property
    def serif_family(self) -> str:
        # Distinct from the installed family's name, so fontconfig cannot swap in the full font.
        return f"aireport {self.body.family}"

    @property
    def sans_family(self) -> str:
        return f"aireport {self.text.family}"

    @property
    def rules(self) -> tuple[FontFace, ...]:
        rules = [FontFace(self.serif_family, REGULAR, self.body), FontFace(self.sans_family, REGULAR, self.text)]
        if self.bold is not None:
            rules.append(FontFace(self.sans_family, BOLD, self.bold))
        return tuple(dict.fromkeys(rules))

    @property
    def faces(self) -> tuple[Face, ...]:
        return tuple(dict.fromkeys(rule.face for rule in self.rules))


def find_fonts(root: Path, font_dir: str | None) -> Fonts:
    """Serif regular for the body, sans regular and bold for the rest, from font_dir or the system."""
    if font_dir:
        candidates = _folder_faces((root / font_dir).resolve())
        where = f"[tool.aireport] font_dir {font_dir}"
    else:
        candidates = _installed_faces()
        where = "installed fonts"
    body, text = _best(candidates, True, REGULAR), _best(candidates, False, REGULAR)
    if body is None or text is None:
        raise AiReportError(f"{where}: no Simplified Chinese font found; {_install_hint('Han')}")
    bold = _best(candidates, False, BOLD)
    return Fonts(body, text, bold if bold is not None and bold.weight >= 600 else None)


def check_coverage(report: Report, chars: Iterable[str], covered: set[str]) -> None:
    """Stop with one line when characters of the report have no font at all: never a tofu PDF.

    Characters the chosen faces lack are drawn by font fallback when some
    installed font has them; only those no font has stop the build.
    """
    missing: dict[str, list[str]] = {}
    for char in sorted(set(chars) - covered):
        if unicodedata.category(char) not in NO_GLYPH:
            missing.setdefault(script_of(char), []).append(char)
    # A few characters per script tell whether fontconfig knows a font for it.
    unfound = {}
    for script, found in missing.items():
        if nothing_draws := [c for c in found[:5] if not _installed_font_covers(c)]:
            unfound[script] = nothing_draws
    if not unfound:
        return
    script = max(unfound, key=lambda name: len(missing[name]))
    examples = unfound[script][:3]
    shown = "、".join(f"{c} (U+{ord(c):04X})" for c in examples)
    line = _first_line_with(report.path, missing[script])
    where = f"{display_path(report.path)}{f':{line}' if line else ''}"
    raise AiReportError(f"{where}: no installed font covers {script} characters such as {shown}; "
                        f"{_install_hint(script)}")


def script_of(char: str) -> str:
    code = ord(char)
    for start, end, name in SCRIPT_RANGES:
        if start <= code <= end:
            return name
    words = unicodedata.name(char, "").split()
    return words[0].title() if words else f"U+{code:04X}"


def licence_of(face: Face) -> str | None:
    """A short name for the licence a face declares in its name table (ids 13 and 14)."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(face.path, fontNumber=face.index, lazy=True)
        names = font["name"]
        text = " ".join(str(names.getDebugName(i) or "") for i in (13, 14))
        font.close()
    except Exception:  # noqa: BLE001 -- a damaged name table: the booklet names no licence
        return None
    if "Open Font License" in text or "OFL" in text:
        return "SIL Open Font License 1.1"
    description = names.getDebugName(14) or names.getDebugName(13)
    return description.strip() if description else None


def _installed_faces() -> list[Face]:
    if shutil.which("fc-list") is None:
        raise AiReportError("fc-list not found: the PDF booklet needs fontconfig "
                            "(Debian/Ubuntu: sudo apt-get install fontconfig fonts-noto-cjk)")
    # Without any Chinese font, the other fonts are listed so that the coverage
    # check can name the characters nothing draws.
    listing = _fc_list(":lang=zh-cn") or _fc_list(":")
    if not listing:
        raise AiReportError(f"no fonts installed; {_install_hint('Han')}")
    faces = []
    for row in sorted(set(listing.splitlines())):
        parts = row.split("\t")
        if len(parts) != 5 or not parts[2].isdigit() or not parts[4].isdigit():
            continue  # a variable font lists a weight range; its static faces are enough
        families, languages, weight, file, index = parts
        family = _english_name(families.split(","), languages.split(","))
        faces.append(Face(Path(file), int(index), family, _css_weight(int(weight)), _is_serif(family)))
    return faces


def _fc_list(pattern: str) -> str:
    fields = "%{family}\t%{familylang}\t%{weight}\t%{file}\t%{index}\n"
    return subprocess.run(["fc-list", "-f", fields, pattern], capture_output=True, text=True, check=False).stdout


def _english_name(names: list[str], languages: list[str]) -> str:
    """A font lists its family in several languages (文泉驿正黑, WenQuanYi Zen Hei); take the English one."""
    return names[languages.index("en")] if "en" in languages and len(names) == len(languages) else names[0]


def _folder_faces(folder: Path) -> list[Face]:
    from fontTools.ttLib import TTCollection, TTFont

    if not folder.is_dir():
        raise AiReportError(f"[tool.aireport] font_dir: {display_path(folder)} is not a folder")
    faces = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES):
        try:
            with path.open("rb") as file:  # opened here, so that it is closed even when fontTools gives up
                collection = path.suffix.lower() in (".ttc", ".otc")
                fonts = TTCollection(file, lazy=True).fonts if collection else [TTFont(file, lazy=True)]
                faces += [face for index, font in enumerate(fonts) if (face := _face_of(path, index, font))]
        except Exception:  # noqa: BLE001 -- fontTools raises what the damage makes (struct.error, EOFError…)
            continue  # not a usable font after all; the folder may hold other files
    if not faces:
        raise AiReportError(f"[tool.aireport] font_dir: {display_path(folder)} holds no fonts "
                            f"({', '.join(FONT_SUFFIXES)})")
    return faces


def _face_of(path: Path, index: int, font) -> Face | None:
    names = font["name"]
    family = str(names.getDebugName(16) or names.getDebugName(1) or path.stem)
    os2 = font["OS/2"] if "OS/2" in font else None
    if os2 is not None and (os2.fsSelection & 1 or os2.usWidthClass != 5):
        return None  # italic, condensed and expanded faces are not used
    weight = os2.usWeightClass if os2 is not None else REGULAR
    return Face(path, index, family, weight, _is_serif(family))


def _css_weight(fontconfig_weight: int) -> int:
    nearest = min(FONTCONFIG_WEIGHTS, key=lambda known: abs(known - fontconfig_weight))
    return FONTCONFIG_WEIGHTS[nearest]


def _is_serif(family: str) -> bool:
    return any(word in family for word in ("Serif", "Song", "Ming", "宋", "明"))


def _best(candidates: list[Face], serif: bool, weight: int) -> Face | None:
    """The preferred family in the wanted weight; a serif settles for a sans, bold for regular."""
    usable = [f for f in candidates if not any(tag in f" {f.family} " for tag in OTHER_REGIONS)]
    preferred = SERIF_FAMILIES + SANS_FAMILIES if serif else SANS_FAMILIES

    def rank(face: Face) -> tuple:
        known = preferred.index(face.family) if face.family in preferred else len(preferred)
        return (abs(face.weight - weight), face.serif != serif, known, "SC" not in face.family,
                len(face.family), face.family, str(face.path), face.index)

    return min(usable, key=rank, default=None)


def _installed_font_covers(char: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"],
                           capture_output=True, text=True, check=False).stdout
    return bool(found.strip())


def _first_line_with(path: Path, chars: list[str]) -> int | None:
    """The first line of the report using one of `chars` (they may come from templates only)."""
    wanted = set(chars)
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if wanted & set(line):
                return number
    except OSError:
        pass
    return None


def _install_hint(script: str) -> str:
    if script in ("Han", "CJK punctuation", "full-width"):
        install = "install a Simplified Chinese font (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk)"
    else:
        install = f"install a font for {script} (Debian/Ubuntu: the fonts-noto packages cover most scripts)"
    return f"{install}, or set font_dir in [tool.aireport] to a folder of font files that cover them"


def fingerprint(config: Config) -> str:
    """What the booklet's look depends on beyond the report: the chosen faces and WeasyPrint."""
    from importlib.metadata import version

    parts = [f"weasyprint {version('weasyprint')}"]
    for face in find_fonts(config.root, config.font_dir).faces:
        stat = face.path.stat()
        parts.append(f"{face.path}#{face.index} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(parts)
