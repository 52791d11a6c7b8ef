"""The fixture report's text editions, compared with the reviewed copies in tests/golden/.

After an intended change, `bash tools/dev golden` rewrites them; review the diff like code.
The booklet is left out: its bytes depend on the installed fonts and libraries, and
tests/test_pdf.py checks it from the outside. For the same reason the feeds' enclosure
length, the booklet's size, is compared as a placeholder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import GOLDEN

# The booklet and the pictures drawn with text: their bytes depend on the installed fonts.
LEFT_OUT = (".pdf", "timeline.png", "card.png")
# The search index: Pagefind's own files, which change with its version; tests/test_search.py checks it.
LEFT_OUT_FOLDERS = ("pagefind",)


def text_editions(dist: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(dist)): _stable(path)
        for path in sorted(dist.rglob("*"))
        if path.is_file() and not path.name.endswith(LEFT_OUT)
        and path.relative_to(dist).parts[0] not in LEFT_OUT_FOLDERS
    }


def _stable(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix in (".xml", ".json"):  # the booklet's size, as the feeds' text gives it
        data = re.sub(rb"\d+ KB", b"PDF-SIZE KB", data)
    if path.suffix == ".xml":
        data = re.sub(rb'(\slength=")\d+(")', rb"\1PDF-SIZE\2", data)
    if path.suffix == ".json":
        data = re.sub(rb'("size_in_bytes": )\d+', rb"\1PDF-SIZE", data)
    return data


def test_editions_match_the_golden_files(fixture_dist, request):
    produced = text_editions(fixture_dist)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name in produced:
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fixture_dist / name, GOLDEN / name)
    golden = text_editions(GOLDEN)
    assert sorted(produced) == sorted(golden), "run `bash tools/dev golden` and review the diff"
    changed = [name for name in produced if produced[name] != golden[name]]
    assert changed == [], "run `bash tools/dev golden` and review the diff"
