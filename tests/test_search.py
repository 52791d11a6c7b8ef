"""Search across the years: a Pagefind index of every listed year, and the search box that uses it."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from aireport.config import load_config
from aireport.editions.search import render_search
from aireport.editions.site import Site
from aireport.editions.templating import make_environment
from aireport.report.loader import load_report
from browser import CHROMIUM
from conftest import ROOT, publish_project

YEARS = (2022, 2021, 2020, 2019)


@pytest.fixture(scope="module")
def site_of_reports() -> Site:
    config = load_config(ROOT)
    reports = tuple(load_report(ROOT / "issues" / f"{year}.md") for year in YEARS)
    return Site(config, make_environment(config.templates_dir), reports)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search") / "dist"
    return publish_project(ROOT, out, only=("web", "archive", "search"))


def test_index_is_the_same_bytes_each_time_and_holds_only_what_a_search_loads(site_of_reports):
    files = render_search(site_of_reports)
    assert files == render_search(site_of_reports)
    names = sorted(files)
    assert {"pagefind/pagefind.js", "pagefind/pagefind-worker.js", "pagefind/pagefind-entry.json"} <= set(names)
    assert any(name.startswith("pagefind/wasm.") for name in names)
    assert sum(name.startswith("pagefind/fragment/zh-cn_") for name in names) == len(YEARS)  # one per year
    assert any(name.startswith("pagefind/index/zh-cn_") for name in names)
    assert not [name for name in names if "-ui." in name or "highlight" in name]
    assert all(files[name] for name in names)  # no file left empty


@pytest.mark.parametrize("page", ["index.html", "2020/index.html"])
def test_pages_carry_a_search_box_that_their_script_shows(dist, page):
    html = (dist / page).read_text(encoding="utf-8")
    assert '<form class="site-search" role="search" hidden' in html
    script = html.split('<script type="module" src="', 1)[1].split('"', 1)[0]
    assert (dist / page).parent.joinpath(script).resolve().is_file()
    assert (dist / "pagefind" / "pagefind.js").is_file()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def search(browser, url: str) -> tuple[str, list[str]]:
    browser.open(url)
    for _ in range(100):
        status = browser.evaluate('document.querySelector(".search-status").textContent')
        if status and "正在" not in status:
            break
        time.sleep(0.1)
    links = browser.evaluate('[...document.querySelectorAll(".search-results > li > a")].map(a => a.pathname)')
    return status, links


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def years_mentioning(phrase: str) -> list[str]:
    return sorted(f"/{p.stem}/" for p in (ROOT / "issues").glob("*.md") if phrase in p.read_text(encoding="utf-8"))


def test_chinese_words_are_found_in_every_year_that_has_them(dist):
    from cdp import Browser

    with serve(dist) as base, Browser() as browser:
        status, links = search(browser, f"{base}/2020/?q={quote('芯片')}")
        assert status == "找到 4 期含“芯片”" and sorted(links) == ["/2019/", "/2020/", "/2021/", "/2022/"]
        # A phrase the browser's segmenter cuts differently from the index still finds its pages.
        status, links = search(browser, f"{base}/?q={quote('蛋白质结构预测')}")
        assert sorted(links) == years_mentioning("蛋白质结构预测") and len(links) >= 2
        status, links = search(browser, f"{base}/?q={quote('戈登·贝尔奖')}")
        assert links == ["/2020/"]
        assert browser.evaluate("document.documentElement.lang") == "zh-CN"
        assert browser.evaluate('document.querySelector(".site-search").hidden') is False
        assert browser.console_errors() == []
