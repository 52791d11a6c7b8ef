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


# For every block (paragraph, list entry, heading, cell) that runs over more than one line: the
# characters of its last line, found from each character's box. Nested lists and paragraphs are
# blocks of their own. Punctuation does not count: "理。" is a line of one character.
LAST_LINES_SCRIPT = r"""
function lastLines(doc) {
  var NESTED = /^(UL|OL|P|TABLE|DIV|SECTION|H[1-6]|LI|TD)$/;
  var PUNCTUATION = /[\s，。、；：？！）》」』】〉”’…—·%,.;:!?)\]}（《「『【〈“‘(\[{▶]/;
  var found = [];
  doc.querySelectorAll("p, li, h1, h2, h3, td").forEach(function (block) {
    if (!block.getClientRects().length) return;
    var chars = [], range = doc.createRange();
    var walker = doc.createTreeWalker(block, NodeFilter.SHOW_TEXT, {acceptNode: function (node) {
      for (var e = node.parentNode; e !== block; e = e.parentNode)
        if (NESTED.test(e.tagName)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    }});
    for (var node; (node = walker.nextNode());) {
      for (var i = 0; i < node.data.length; i++) {
        if (/\s/.test(node.data[i])) continue;
        range.setStart(node, i); range.setEnd(node, i + 1);
        var box = range.getClientRects()[0];
        if (box && box.width > 0) chars.push({c: node.data[i], top: box.top, bottom: box.bottom});
      }
    }
    if (chars.length < 2) return;
    var last = chars[chars.length - 1], middle = (last.top + last.bottom) / 2;
    var onLine = function (ch) { var m = (ch.top + ch.bottom) / 2; return Math.abs(m - middle) < (last.bottom - last.top) / 2; };
    if (onLine(chars[0])) return;  // one line only
    var line = "";
    for (var j = chars.length - 1; j >= 0 && onLine(chars[j]); j--) line = chars[j].c + line;
    found.push({block: block.tagName.toLowerCase() + (block.className ? "." + block.className : ""),
                line: line, letters: line.split("").filter(function (c) { return !PUNCTUATION.test(c); }).length});
  });
  return found;
}
"""
MEASURE_WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{src}" style="border:0;width:{width}px;height:900px"></iframe>
<script>{script}
document.getElementById("f").onload = function () {{
  var doc = this.contentDocument;
  doc.fonts.ready.then(function () {{
    document.body.setAttribute("data-result", JSON.stringify(({expression})));
  }});
}};
</script></body></html>"""


def evaluate(page: Path, width: int, expression: str, script: str = ""):
    """The JSON value of a JavaScript `expression` over `doc`, the page laid out `width` pixels wide."""
    import html
    import json

    with tempfile.TemporaryDirectory() as folder:
        wrapper = Path(folder) / "measure.html"
        wrapper.write_text(MEASURE_WRAPPER.format(src=page.resolve().as_uri(), width=width, script=script,
                                                  expression=expression), encoding="utf-8")
        dom = _run(["--virtual-time-budget=10000", "--dump-dom", wrapper.as_uri()], str(Path(folder) / "profile"))
    match = re.search(r'data-result="([^"]*)"', dom)
    assert match, "Chromium did not evaluate the expression"
    return json.loads(html.unescape(match.group(1)))


def last_lines(page: Path, width: int) -> list[dict]:
    """The last line of every block of more than one line when `page` is `width` pixels wide:
    [{"block": "p.summary", "line": "实。", "letters": 1}, …]."""
    return evaluate(page, width, "lastLines(doc)", LAST_LINES_SCRIPT)


def orphans(page: Path, width: int) -> list[dict]:
    """Blocks whose last line holds a single character (punctuation aside)."""
    lines = last_lines(page, width)
    assert len(lines) > 10, "too few blocks of more than one line: the measure saw nothing"
    return [line for line in lines if line["letters"] <= 1]
