"""Failure and scale: a publish killed at any moment loses nothing, and very long reports and
many years of reports publish correctly."""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from aireport.atomic import TEMP_PREFIX
from aireport.build.cache import CACHE_FOLDER
from aireport.build.writer import STAGING
from conftest import EPOCH, FIXTURE, ROOT, make_project, publish_project

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ("atom.xml", "rss.xml")
PDF = "2020/aireport-2020.pdf"

# ---------------------------------------------------------------- generated reports

FIELDS = ("大模型", "芯片", "算力", "数据", "推理", "训练", "伦理", "治理", "机器人", "视觉")
AREAS = ("产业", "研究", "应用", "政策", "开源", "安全", "教育", "医疗", "金融", "制造")
NUMBERED = re.compile(r"\d{2,} ")  # a chapter's heading as the editions show it, "07 …"
RANKED = 3  # entries of the generated ranked list


def chapter_title(chapter: int) -> str:
    """Distinct for chapters 1 to 100, and not numbered by hand (the editions number chapters)."""
    return f"{FIELDS[chapter % 10]}与{AREAS[chapter // 10 % 10]}"


def chapter_label(chapter: int) -> str:
    """The heading as the editions show it, numbered."""
    return f"{chapter:02d} {chapter_title(chapter)}"


def topic_title(chapter: int, topic: int) -> str:
    return f"话题 {chapter}-{topic}：{FIELDS[topic % 10]}的进展"


def report_text(year: int, chapters: int, topics: int) -> str:
    """A report valid by docs/format.md: an editor's note, `chapters` chapters of `topics`
    topics each (paragraph, labelled items with a sub-point, a plain point, article and paper
    links), a ranked list and a summary. The text names no year but its own, so `check`
    has nothing to warn about."""
    lines = ["---", f"year: {year}", f"title: {year} AI 年度回顾", "subtitle: 生成的测试报告",
             f"date: {year}-12-31", "authors:", "  - 编辑部", "  - {name: 全体作者, role: 撰文}",
             "summary: 这一年人工智能领域的大事件与技术进展。", "keywords: [大模型, 芯片]",
             "sources:", "  - id: deck", "    title: AI 大事件", "    author: 编辑部",
             "    url: https://example.org/deck", "---", "",
             "## 编者按 {.editors-note}", "",
             "这一年里，人工智能在**技术**与应用上都有进展。", ""]
    for chapter in range(1, chapters + 1):
        lines += [f"## {chapter_title(chapter)}", ""]
        for topic in range(1, topics + 1):
            lines += _topic(chapter, topic)
    lines += ["## 年度技术进展 {.ranked}", ""]
    for rank in range(RANKED, 0, -1):
        lines += [f"### No.{rank} {FIELDS[rank]}的重大突破", "", f"第 {rank} 名的说明，*简短*。", ""]
    lines += ["## 总结 {.summary}", "", "人工智能继续快速发展，也面临伦理与治理的挑战。", ""]
    return "\n".join(lines)


def _topic(chapter: int, topic: int) -> list[str]:
    field = FIELDS[(chapter + topic) % 10]
    lines = [f"### {topic_title(chapter, topic)}", "",
             f"本话题讲述{field}领域的一项进展（编号 {chapter}.{topic}），"
             "以及它带来的*变化*。", "",
             f"- **事件**：{FIELDS[topic % 10]}取得了新的突破，成本下降。",
             "- **意义**：",
             f"  - 降低了{FIELDS[chapter % 10]}的门槛。",
             "- 更多的团队开始跟进。", "",
             f"- [文章：{field}的进展](https://example.org/{chapter}/{topic})"]
    if topic % 5 == 0:
        lines.append(f"- <https://arxiv.org/abs/2101.{chapter:03d}{topic:02d}>")
    return lines + [""]


def write_project(root: Path, reports: dict[int, str], settings: str = "") -> Path:
    """A project folder with these reports, the fixture's settings plus `settings`, and the real templates."""
    (root / "issues").mkdir(parents=True)
    for year, text in reports.items():
        (root / "issues" / f"{year}.md").write_text(text, encoding="utf-8")
    pyproject = (FIXTURE / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(pyproject.rstrip("\n") + "\n" + settings, encoding="utf-8")
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


class Headings(HTMLParser):
    """The text of every h2 and h3, and every link, of an HTML document, in order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.h2: list[str] = []
        self.h3: list[str] = []
        self.links: list[str] = []
        self._open: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self._open = []
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag):
        if tag in ("h2", "h3") and self._open is not None:
            getattr(self, tag).append(" ".join("".join(self._open).split()))
            self._open = None

    def chapters(self) -> list[str]:
        return [text for text in self.h2 if NUMBERED.match(text)]

    def topics(self) -> list[str]:
        return [text for text in self.h3 if text.startswith("话题 ")]


def expected_topics(chapters: int, topics: int) -> list[str]:
    return [topic_title(c, t) for c in range(1, chapters + 1) for t in range(1, topics + 1)]


# ---------------------------------------------------------------- SIGKILL at any moment

KILLS = 20  # half at moments spread over the build time, half right after the k-th file is written
SEED = 9


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(files: dict[str, bytes]) -> list[str]:
    return [name for name in files if Path(name).name.startswith(TEMP_PREFIX) or name.startswith(STAGING)]


def start_publish(project: Path) -> subprocess.Popen:
    """`python -m aireport publish 2020` into the project's dist/, printing a line per file written."""
    return subprocess.Popen([sys.executable, "-m", "aireport", "publish", "2020"], cwd=project,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def publish_to_the_end(project: Path) -> float:
    started = time.perf_counter()
    process = start_publish(project)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return time.perf_counter() - started


def kill_moments(rng: random.Random, build_seconds: float, files: int) -> list[tuple[str, float]]:
    """Stratified over the whole build (so the first kill comes early and the last late),
    interleaved with kills in the write phase, right after a random number of files were staged."""
    half = KILLS // 2
    timed = [("seconds", build_seconds * (i + rng.random()) / half) for i in range(half)]
    staged = [("staged", rng.randint(1, files - 1)) for _ in range(half)]
    return [moment for pair in zip(timed, staged, strict=True) for moment in pair]


def staged_files(folder: Path) -> int:
    """Files in the staging folder now; the publish moves them away as we count."""
    return sum(len(files) for _, _, files in os.walk(folder))


def publish_killed(project: Path, moment: tuple[str, float]) -> None:
    kind, value = moment
    process = start_publish(project)
    staging = project / "dist" / STAGING
    try:
        if kind == "seconds":
            time.sleep(value)
        else:
            while process.poll() is None and staged_files(staging) < value:
                time.sleep(0.0005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        process.stderr.close()


def state_after_kill(files: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes], moment) -> str:
    """Assert every file is a complete old or new version; say which the folder holds."""
    kept = {name: data for name, data in files.items() if name not in temporaries(files)}
    gone = sorted(set(old) - set(kept))  # only files the new build no longer writes, removed after the switch
    assert [name for name in gone if name in new] == [], f"files lost by a kill at {moment}"
    neither = [name for name, data in kept.items() if data not in (old.get(name), new.get(name))]
    assert neither == [], f"after a kill at {moment}, neither the old nor the new version: {neither}"
    for name in FEEDS:
        etree.fromstring(kept[name])  # raises on anything but well-formed XML
    assert kept[PDF] in (old[PDF], new[PDF])
    changed = [name for name in new if old.get(name) != new[name]]
    renewed = sum(kept.get(name) == new[name] for name in changed)
    assert not gone or renewed == len(changed), f"old files removed before the switch ended, at {moment}"
    return "old" if renewed == 0 else "new" if renewed == len(changed) else "mixed"


def test_a_publish_killed_at_any_moment_leaves_each_file_old_or_new(tmp_path):
    project = make_project(tmp_path / "project")
    dist, report = project / "dist", project / "issues" / "2020.md"
    new_text = report.read_text(encoding="utf-8")
    report.write_text(new_text.replace("样例", "旧版"), encoding="utf-8")
    publish_to_the_end(project)
    shutil.copytree(dist, tmp_path / "old")
    cache = project / CACHE_FOLDER  # the build record of the old build, which a killed publish leaves as it was
    shutil.copytree(cache, tmp_path / "old-cache")
    report.write_text(new_text, encoding="utf-8")
    build_seconds = publish_to_the_end(project)
    old, new = snapshot(tmp_path / "old"), snapshot(dist)
    written = [name for name in new if not name.startswith(".")]
    assert {"index.html", *FEEDS, PDF, "2020/index.html", "2020/email.eml"} <= {
        name for name in new if old.get(name) != new[name]}, "the old and new builds should differ"

    states: Counter[str] = Counter()
    for moment in kill_moments(random.Random(SEED), build_seconds, len(written)):
        for folder, saved in ((dist, "old"), (cache, "old-cache")):
            shutil.rmtree(folder)
            shutil.copytree(tmp_path / saved, folder)
        publish_killed(project, moment)
        files = snapshot(dist)
        state = state_after_kill(files, old, new, moment)
        states[state] += 1
        states["in the write phase"] += bool(temporaries(files)) or state == "mixed"
        if state == "mixed" or temporaries(files):
            publish_to_the_end(project)
            after = snapshot(dist)
            assert temporaries(after) == [], f"temporary files left after a kill at {moment}"
            assert after == new, f"the publish after a kill at {moment} did not finish the new build"
    assert states["old"] and states["in the write phase"], f"the kills missed the write phase: {dict(states)}"


# ---------------------------------------------------------------- one very long report

CHAPTERS, TOPICS = 100, 20


@pytest.fixture(scope="module")
def long_report(tmp_path_factory) -> Path:
    """A project whose 2020 report has 100 chapters of 20 topics (about 480 KB of Markdown)."""
    return write_project(tmp_path_factory.mktemp("long") / "project", {2020: report_text(2020, CHAPTERS, TOPICS)})


def test_ctrl_c_stops_a_publish_with_one_line_and_no_traceback_from_the_workers(tmp_path):
    """Ctrl-C reaches every process of the terminal's group; booklet workers leave it to the main one."""
    project = make_project(tmp_path / "project")
    process = subprocess.Popen([sys.executable, "-m", "aireport", "publish", "2020", "-j", "2", "-q"], cwd=project,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    while process.poll() is None and not children.read_text().split():
        time.sleep(0.005)
    time.sleep(0.05)  # the worker is importing WeasyPrint, which takes several times that
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0 and stderr.strip() == "Aborted!"
    dist = project / "dist"
    assert not dist.exists() or temporaries(snapshot(dist)) == []


def test_the_generated_long_report_passes_check_strict(long_report, cli, monkeypatch):
    monkeypatch.chdir(long_report)
    result = cli("check", "--strict")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "checked 1 report: 0 errors, 0 warnings"


def test_a_report_of_100_chapters_of_20_topics_publishes_web_page_and_feeds(long_report):
    started = time.perf_counter()
    out = publish_project(long_report, long_report / "dist", "2020", only=("web", "archive", "feed"))
    assert time.perf_counter() - started < 60  # about 2 s here: a generous bound that catches quadratic work
    page = Headings((out / "2020" / "index.html").read_text(encoding="utf-8"))
    assert page.chapters() == [chapter_label(c) for c in range(1, CHAPTERS + 1)]
    assert page.topics() == expected_topics(CHAPTERS, TOPICS)
    for chapter in (1, 50, CHAPTERS):
        assert f"#chapter-{chapter}" in page.links  # the table of contents reaches the last chapter too
    entries = etree.parse(out / "atom.xml").getroot().findall(f"{ATOM}entry")
    assert len(entries) == 1
    content = Headings(entries[0].findtext(f"{ATOM}content"))
    assert content.chapters() == page.chapters()
    assert content.topics() == page.topics()
    items = etree.parse(out / "rss.xml").getroot().findall("channel/item")
    assert len(items) == 1


def test_a_report_too_long_for_an_email_fails_on_the_budget_and_writes_nothing_of_its_year(
        long_report, cli, monkeypatch):
    monkeypatch.chdir(long_report)
    result = cli("publish", "2020", "--only", "web,email", "--out", "dist-email")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    budget = re.fullmatch(r"Error: dist-email/2020/email\.html: (\d+\.\d) KB is over the e-mail budget of 80 KB "
                          r"\(Gmail clips longer messages\); shorten the report's topics or items, "
                          r"or set email = \"digest\" in \[tool.aireport\] to send a summary instead",
                          result.stderr.splitlines()[-1])
    assert budget, result.stderr
    assert float(budget[1]) > 1000  # measured on the whole report, not on a cut-off part
    assert not (long_report / "dist-email" / "2020").exists()  # the web page, rendered fine, waits for the e-mail


def booklet(tmp_path: Path, chapters: int, topics: int) -> PdfReader:
    root = write_project(tmp_path / f"pdf-{chapters}x{topics}", {2020: report_text(2020, chapters, topics)})
    out = publish_project(root, root / "dist", "2020", only=("pdf",))
    return PdfReader(io.BytesIO((out / PDF).read_bytes()))


def outline(reader: PdfReader) -> dict[str, list[str]]:
    """Each top-level bookmark and the titles of the bookmarks under it (pypdf lists a
    bookmark's children right after it)."""
    bookmarks: dict[str, list[str]] = {}
    last = None
    for entry in reader.outline:
        if isinstance(entry, list):
            bookmarks[last] = [child.title for child in entry if not isinstance(child, list)]
        else:
            last = entry.title
            bookmarks[last] = []
    return bookmarks


def test_the_booklet_grows_with_the_report_and_keeps_every_chapter_and_topic(tmp_path):
    # The booklet of 100 x 20 (nearly 1000 pages) takes about two minutes and 1.8 GB of memory;
    # benchmarks/scale.py measures how the booklet grows.
    small, large = booklet(tmp_path, 3, 5), booklet(tmp_path, 12, 5)
    assert len(large.pages) > 2 * len(small.pages)
    for reader, chapters in ((small, 3), (large, 12)):
        bookmarks = outline(reader)
        assert {title: topics for title, topics in bookmarks.items() if NUMBERED.match(title)} == {
            chapter_label(c): [topic_title(c, t) for t in range(1, 6)] for c in range(1, chapters + 1)}
        ranked = [f"No.{rank} {FIELDS[rank]}的重大突破" for rank in range(RANKED, 0, -1)]
        assert bookmarks["年度技术进展"] == ranked


# ---------------------------------------------------------------- fifty years

FIRST, LAST, FEED_LIMIT = 1975, 2024, 10


def test_fifty_years_list_newest_first_and_the_feeds_keep_the_newest(tmp_path, cli, monkeypatch):
    reports = {year: report_text(year, 1, 2) for year in range(FIRST, LAST + 1)}
    root = write_project(tmp_path / "project", reports, settings=f"feed_limit = {FEED_LIMIT}\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert cli("check", "--strict").exit_code == 0
    result = cli("publish", "--all", "--only", "web,archive,feed", "-q")
    assert result.exit_code == 0, result.output
    newest_first = list(range(LAST, FIRST - 1, -1))
    assert all((root / "dist" / str(year) / "index.html").is_file() for year in newest_first)
    assert archive_years(root / "dist") == newest_first
    assert feed_years(root / "dist") == {name: newest_first[:FEED_LIMIT] for name in FEEDS}

    before = snapshot(root / "dist")
    result = cli("publish", str(FIRST + 5), "--only", "web,archive,feed", "-q")  # an old year, republished alone
    assert result.exit_code == 0, result.output
    assert archive_years(root / "dist") == newest_first
    assert feed_years(root / "dist") == {name: newest_first[:FEED_LIMIT] for name in FEEDS}
    after = snapshot(root / "dist")
    assert [after[name] == before[name] for name in FEEDS] == [True, True]


def archive_years(dist: Path) -> list[int]:
    links = Headings((dist / "index.html").read_text(encoding="utf-8")).links
    return [int(href[:4]) for href in dict.fromkeys(links) if len(href) == 5 and href[:4].isdigit()]


def feed_years(dist: Path) -> dict[str, list[int]]:
    atom = etree.parse(dist / "atom.xml").getroot()
    rss = etree.parse(dist / "rss.xml").getroot()
    return {
        "atom.xml": [_year_of(entry.findtext(f"{ATOM}id")) for entry in atom.findall(f"{ATOM}entry")],
        "rss.xml": [_year_of(item.findtext("link")) for item in rss.findall("channel/item")],
    }


def _year_of(url: str) -> int:
    assert url.startswith("https://reports.example.org/ai/") and url.endswith("/"), url
    return int(url.rstrip("/").rsplit("/", 1)[1])
