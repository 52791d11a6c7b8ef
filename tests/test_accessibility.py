"""Every kind of page as a reader's browser shows it: axe-core finds no accessibility violation, in the
light and the dark colour scheme and with search results shown, and nothing overflows at 375 or 1280 px."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest

from browser import CHROMIUM
from conftest import ROOT, publish_project
from test_search import serve

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ("", "2020/", "2019/", "2022/", "subscribe/", f"?q={quote('芯片')}")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.is_file(), reason="run `bash tools/dev test` to fetch axe-core"),
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a11y") / "dist"
    return publish_project(ROOT, out, only=("web", "archive", "search"))


def violations(browser) -> list[str]:
    browser.evaluate(AXE.read_text(encoding="utf-8") + ";0")
    found = browser.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                             "v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))")
    return found


@pytest.mark.parametrize("width, dark", [(375, False), (1280, False), (375, True)])
def test_pages_have_no_accessibility_violation_and_no_horizontal_overflow(dist, width, dark):
    from cdp import Browser

    with serve(dist) as base, Browser() as browser:
        browser.view(width, dark=dark)
        for page in PAGES:
            browser.open(f"{base}/{page}")
            if "?q=" in page:
                for _ in range(50):
                    if browser.evaluate('document.querySelectorAll(".search-results mark").length'):
                        break
                    time.sleep(0.1)
            assert violations(browser) == [], page
            assert browser.evaluate("document.documentElement.scrollWidth") <= width, page
            assert browser.console_errors() == [], page
