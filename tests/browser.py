"""Headless Chromium for tests: page widths and screenshots, as a reader's browser sees them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--allow-file-access-from-files",
]
WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{src}" style="border:0;width:{width}px;height:900px"></iframe>
<script>
document.getElementById("f").onload = function () {{
  var d = this.contentDocument.documentElement;
  document.body.setAttribute("data-scroll-width", String(d.scrollWidth));
}};
</script></body></html>"""


def _run(args: list[str], profile: str) -> str:
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=120)
    return result.stdout


def scroll_width(page: Path, width: int) -> int:
    """The document's scroll width when `page` is shown in a frame `width` pixels wide."""
    with tempfile.TemporaryDirectory() as folder:
        wrapper = Path(folder) / "frame.html"
        wrapper.write_text(WRAPPER.format(src=page.resolve().as_uri(), width=width), encoding="utf-8")
        dom = _run(["--virtual-time-budget=5000", "--dump-dom", wrapper.as_uri()], str(Path(folder) / "profile"))
    match = re.search(r'data-scroll-width="(\d+)"', dom)
    assert match, "Chromium did not report the page's width"
    return int(match.group(1))


def screenshot(page: Path, width: int, target: Path, height: int = 2400) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        _run([f"--window-size={width},{height}", f"--screenshot={target}", page.resolve().as_uri()],
             str(Path(folder) / "profile"))
    return target
