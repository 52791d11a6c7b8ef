"""Hostile report files: the only outcomes allowed are a model or clear problems, in bounded time."""

from __future__ import annotations

import string
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aireport.errors import AiReportError
from aireport.report.loader import inspect_report, load_report
from aireport.report.problems import Problem

FRONT = (
    "---\nyear: 2020\ntitle: 标题\ndate: 2020-12-31\nauthors: [ZOMI]\nsummary: 摘要。\n"
    "sources:\n  - id: deck\n    title: 大事件\n---\n"
)
FUZZ = settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
MARKDOWN_BITS = st.sampled_from([
    "## ", "### ", "#### ", "# ", "- ", "  - ", "    - ", "**", "：", ":", "{.ranked}", "{.summary}",
    "{#x}", "{source=deck}", "No.", "[a](", ")", "<", ">", "https://", "javascript:", "\n", "\n\n",
    "```", "<script>", "</sup>", "2023 年", "\t", "\r", "\ufeff", "\x00", "\u202e", "{", "}", "=",
])
MARKDOWN = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=8)), max_size=60).map("".join)
YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["year", "title", "date", "updated", "authors", "summary", "sources", "cover",
                        "draft", "language", "keywords", "subtitle", "x"])


def outcome(path: Path) -> list[Problem]:
    """inspect_report must return problems; load_report a model or a user error."""
    problems = inspect_report(path)[1]
    assert all(isinstance(p, Problem) and p.line >= 1 for p in problems)
    try:
        load_report(path)
    except AiReportError as error:
        assert "\n" not in error.message
    return problems


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "2020.md"
    path.write_bytes(data)
    return path


@FUZZ
@given(body=MARKDOWN)
def test_any_markdown_body(tmp_path, body):
    outcome(write(tmp_path, (FRONT + body).encode("utf-8", "surrogatepass")))


@FUZZ
@given(front=st.dictionaries(KEYS, YAML_VALUES, max_size=8))
def test_any_front_matter(tmp_path, front):
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n## 章\n\n### 题\n\n- 点\n"
    outcome(write(tmp_path, text.encode("utf-8")))


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes(tmp_path, data):
    outcome(write(tmp_path, data))


@FUZZ
@given(raw=st.text(alphabet=string.printable + "：—“”年", max_size=300))
def test_any_yaml_text(tmp_path, raw):
    outcome(write(tmp_path, ("---\n" + raw + "\n---\n## 章\n").encode("utf-8")))


def test_bom_and_crlf_are_accepted(tmp_path):
    text = ("\ufeff" + FRONT + "\n## 章\n\n### 题\n\n- 点\n").replace("\n", "\r\n")
    assert [p for p in outcome(write(tmp_path, text.encode("utf-8"))) if p.level == "error"] == []


def test_deep_nesting_is_bounded(tmp_path):
    lists = "\n".join("  " * depth + "- 点" for depth in range(400))
    yaml_nesting = "summary: " + "[" * 5000 + "]" * 5000 + "\n"
    started = time.perf_counter()
    outcome(write(tmp_path, (FRONT + "\n## 章\n\n### 题\n\n" + lists + "\n").encode("utf-8")))
    problems = outcome(write(tmp_path, ("---\n" + yaml_nesting + "---\n## 章\n").encode("utf-8")))
    assert problems and problems[0].level == "error"
    assert time.perf_counter() - started < 10


def test_huge_lines_are_bounded(tmp_path):
    line = "字" * 1_000_000
    started = time.perf_counter()
    outcome(write(tmp_path, (FRONT + f"\n## 章\n\n### 题\n\n- **事件**：{line}\n").encode("utf-8")))
    outcome(write(tmp_path, (FRONT + f"\n## {'#' * 100_000}\n" + "<" * 200_000 + "\n").encode("utf-8")))
    assert time.perf_counter() - started < 20


# --- Classes of hostile input, each with a property every example must keep --------------------

import re  # noqa: E402
import os  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from aireport.cli import main  # noqa: E402
from aireport.report.characters import UNUSABLE, UNUSABLE_IN_A_LINE  # noqa: E402

CLASSES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
CONTROL_AND_BIDI = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b[31m",
                                    "\x1b]0;t\x07", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\u200e", "\u200f",
                                    "\u202a", "\u202e", "\u2066", "\u2069", "\u061c", "\ufeff", "\ufffe", "\uffff",
                                    "\ud800", "\udfff", "\U0001fffe", "\ufdd0", "字", "a", " "])
DIRTY_TEXT = st.lists(st.one_of(CONTROL_AND_BIDI, st.text(max_size=3)), min_size=1, max_size=8).map("".join)
FIELDS = {  # a front-matter field, as the YAML path to it
    "title": ("title",), "subtitle": ("subtitle",), "summary": ("summary",), "author": ("authors", 0),
    "author name": ("authors", 1, "name"), "role": ("authors", 1, "role"), "keyword": ("keywords", 0),
    "source title": ("sources", 0, "title"), "source author": ("sources", 0, "author"),
    "publisher": ("sources", 0, "publisher"), "credit": ("sources", 0, "credits", 0, "name"),
    "image credit": ("sources", 0, "image", "credit"), "source id": ("sources", 0, "id"),
    "language": ("language",),
}
LINE = re.compile(r"^(\S[^:]*:\d+: (error|warning): .+|checked \d+ reports?: .+|Error: .+|created .+|"
                  r"published .+)$")


def base_front() -> dict:
    return {"year": 2020, "title": "标题", "subtitle": "副标题", "date": "2020-12-31", "language": "zh-CN",
            "authors": ["ZOMI", {"name": "编辑", "role": "撰文"}], "summary": "摘要。", "keywords": ["AI"],
            "sources": [{"id": "deck", "title": "大事件", "author": "作者", "publisher": "出版",
                         "credits": [{"name": "甲", "role": "乙"}],
                         "image": {"url": "https://example.org/a.png", "credit": "图"}}]}


def put(data, path: tuple, value) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def messages_are_lines(problems: list[Problem]) -> None:
    for problem in problems:
        shown = problem.format("issues/2020.md")
        assert "\n" not in shown and not UNUSABLE.search(shown) and "\x1b" not in shown, shown


def cli_output(root: Path, *args: str) -> str:
    """`aireport ARGS` in `root`: never a traceback, every line one message."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)
    assert "Traceback" not in result.output
    for line in result.output.splitlines():
        assert LINE.match(line) and not UNUSABLE_IN_A_LINE.search(line.replace("\t", "")), repr(line)
    return result.output


@CLASSES
@given(field=st.sampled_from(sorted(FIELDS)), dirty=DIRTY_TEXT)
def test_control_and_bidi_characters_in_every_field(tmp_path, field, dirty):
    data = base_front()
    put(data, FIELDS[field], dirty)
    text = "---\n" + yaml.safe_dump(data, allow_unicode=False) + "---\n\n## 章\n\n### 题\n\n- 点\n"
    problems = outcome(write(tmp_path, text.encode("utf-8")))
    messages_are_lines(problems)
    stripped = dirty.strip()
    if (UNUSABLE_IN_A_LINE if field != "summary" else UNUSABLE).search(stripped) and stripped:
        assert any(p.level == "error" for p in problems), (field, dirty)


@CLASSES
@given(dirty=DIRTY_TEXT, where=st.sampled_from(["- 点{}\n", "段落{}\n", "### 题{}\n\n- 点\n", "- **标{}**：点\n",
                                                "- [链{}](https://example.org/a)\n"]))
def test_control_and_bidi_characters_in_the_body(tmp_path, dirty, where):
    body = where.format(dirty)
    data = (FRONT + "\n## 章\n\n### 题\n\n" + body).encode("utf-8", "surrogatepass")
    problems = outcome(write(tmp_path, data))
    messages_are_lines(problems)
    normalised = dirty.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if UNUSABLE.search(normalised.replace("\ud800", "").replace("\udfff", "")):
        assert any(p.level == "error" for p in problems), repr(body)


YAML_FEATURES = st.sampled_from([
    "a: &a [1, 2]\n", "b: *a\n", "c: &c {x: 1}\n", "d:\n  <<: *c\n", "e: !!python/object:os.system x\n",
    "f: !!python/name:os.system\n", "g: !!binary aGVsbG8=\n", "h: !!set {a, b}\n", "i: !!omap [a: 1]\n",
    "j: !custom x\n", "k: !!timestamp 2020-02-30\n", "date: 2020-02-30\n", "date: 2020-13-01\n",
    "date: 2020-12-31 25:00:00\n", "date: 2020-12-31T10:00:00+24:00\n", "date: 9999-12-31\n",
    "updated: 0001-01-01\n", "year: !!float 2020\n", "year: 0x7E4\n", "year: 2_020\n", "year: .inf\n",
    "title: !!str 2020\n", "title: ? a\n", "? [a, b]\n: c\n", "title: |\n  两\n  行\n", "title: >-\n  折\n  行\n",
    "%YAML 1.1\n", "--- \n", "...\n", "title: '\\x1b'\n", 'title: "\\x1b[2J"\n', 'title: "\\ud800"\n',
    "summary: &s 摘要\nsubtitle: *s\n", "x: " + "[" * 50 + "]" * 50 + "\n", "&a a: 1\n", "*a : 1\n",
])


@CLASSES
@given(features=st.lists(YAML_FEATURES, max_size=6))
def test_yaml_features(tmp_path, features):
    text = ("---\nyear: 2020\ntitle: 标题\ndate: 2020-12-31\nauthors: [ZOMI]\nsummary: 摘要。\n"
            "sources: [{id: deck, title: 大事件}]\n" + "".join(features) + "---\n\n## 章\n\n### 题\n\n- 点\n")
    started = time.perf_counter()
    problems = outcome(write(tmp_path, text.encode("utf-8")))
    assert time.perf_counter() - started < 5
    messages_are_lines(problems)
    if any("*" in feature and "&" not in feature for feature in features):  # an alias: refused, never expanded
        assert any(p.level == "error" for p in problems)


URL_PARTS = st.sampled_from(["https://", "http://", "//", "/", "./", "../", "#", "?", "javascript:", "JAVASCRIPT:",
                             "file://", "file:///etc/passwd", "mailto:", "data:text/html,", "vbscript:", "ftp://",
                             "example.org", "evil.example", "]", "[", "[::1]", ":99999", ":0", ":-1", ":80",
                             "@", "%00", "%2F%2F", "\\", " ", "\t", "\u3000", "字", "\u202e", "a", "/a", "(", ")",
                             "<", ">", '"', "'", "&#x2F;", "&amp;"])
URLS = st.lists(URL_PARTS, min_size=1, max_size=6).map("".join)
URL_PLACES = ["- [链接]({url})\n", "- 点 [链接]({url})\n", "- 点 [r]\n  [r]: {url}\n", "点 [r]\n\n[r]: {url}\n",
              "- <a href=\"{url}\">链接</a>\n", "- <a href='{url}'>链接</a>\n", "- <{url}>\n", "- {url}\n",
              "段落 [链接]({url}) 文字\n", "- **标**：<a title=x href={url}>链接</a>\n"]
def hrefs(fragment: str) -> list[str]:
    """The href of every element of an HTML fragment (not what merely looks like one in its text)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value or "" for name, value in attrs if name == "href")

    Links(convert_charrefs=True).feed(fragment)
    return found


@CLASSES
@given(url=URLS, place=st.sampled_from(URL_PLACES))
def test_url_forms_in_the_body(tmp_path, url, place):
    from aireport.report.loader import parse_report
    from aireport.report.problems import Problems

    path = write(tmp_path, (FRONT + "\n## 章\n\n### 题\n\n" + place.format(url=url)).encode("utf-8"))
    problems = outcome(path)
    messages_are_lines(problems)
    report, _ = parse_report(path, Problems())
    if report is None or any(p.level == "error" for p in problems):
        return
    texts = [t for section in report.sections for topic in section.topics for t in (
        *topic.paragraphs, *(item.body for item in topic.items if item.body))]
    for text in texts:  # what loads links only to the web, to mail, or within the page
        for href in hrefs(str(text.html)):
            assert href.startswith(("https://", "http://", "mailto:", "#")), href
    for link in report.links:
        assert link.url.startswith(("https://", "http://")), link.url


@CLASSES
@given(url=URLS, key=st.sampled_from(["url", "image"]))
def test_url_forms_in_the_front_matter(tmp_path, url, key):
    data = base_front()
    if key == "url":
        data["sources"][0]["url"] = url
    else:
        data["sources"][0]["image"]["url"] = url
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n\n## 章\n\n### 题\n\n- 点\n"
    problems = outcome(write(tmp_path, text.encode("utf-8")))
    messages_are_lines(problems)
    if not url.strip().lower().startswith(("http://", "https://")):
        assert any(p.level == "error" for p in problems)


@CLASSES
@given(url=URLS, key=st.sampled_from(["site_url", "unsubscribe_url", "email_from", "contact"]))
def test_url_forms_in_the_settings(tmp_path, url, key):
    from aireport.config import load_config
    from aireport.errors import ConfigError

    (tmp_path / "pyproject.toml").write_text(f"[tool.aireport]\n{key} = {json_string(url)}\n", encoding="utf-8")
    try:
        config = load_config(tmp_path)
    except ConfigError as error:
        assert all(line.startswith("pyproject.toml:2: [tool.aireport] ") or line.startswith(f"{tmp_path}")
                   for line in error.format_message().split("\n"))
        return
    from aireport.editions.email.mime import header_safe

    assert header_safe(getattr(config, key))
    assert header_safe(config.unsubscribe) and header_safe(config.sender)


def json_string(text: str) -> str:
    import json

    return json.dumps(text)  # a TOML basic string is a JSON string


REPEATED = st.sampled_from(["[", "]", "(", "<", "<a:", "<b>", "</b>", ">", "> ", "*", "**", "_", "`", "```", "~",
                            "- ", "  - ", "\n", "\n\n", "\n- a\n", "#", "{", "}", "&#", "字", "a", " ", "\\",
                            "[a](", "](", "![", "|", "---", "***", "1. ", "    ", "\t", "<!--", "-->", "https://a.b/"])


REPETITION_PLACES = {"item": "- {}\n", "block": "{}\n", "heading": "### 题{}x\n\n- 点\n", "tag": '- <b {}">\n',
                     "link": "- [链接](https://example.org/{})\n", "label": "- **{}**：点\n"}


@CLASSES
@given(unit=st.lists(REPEATED, min_size=1, max_size=3).map("".join), times=st.integers(1, 4000),
       place=st.sampled_from(sorted(REPETITION_PLACES)))
@example(unit="[", times=4000, place="item")
@example(unit="<a:", times=3300, place="item")
@example(unit="> ", times=4000, place="block")
@example(unit="<b>", times=290, place="item")
@example(unit="\n- a\n", times=4000, place="block")
@example(unit="- ", times=4000, place="block")
@example(unit="    - a\n", times=2000, place="block")
@example(unit=" ", times=4000, place="heading")
@example(unit="# ", times=4000, place="heading")
@example(unit="a", times=9000, place="tag")
@example(unit="(", times=4000, place="link")
@example(unit="*", times=4000, place="label")
@example(unit="  - ", times=2000, place="block")  # a list in a list, 2,000 deep in one line
@example(unit="1. ", times=2000, place="item")
def test_nesting_and_repetition_at_scale(tmp_path, unit, times, place):
    body = REPETITION_PLACES[place].replace("{}", unit * times)
    started = time.perf_counter()
    problems = outcome(write(tmp_path, (FRONT + "\n## 章\n\n### 题\n\n" + body).encode("utf-8")))
    assert time.perf_counter() - started < 10, (unit, times)
    messages_are_lines(problems)


ODDITIES = st.sampled_from(["fifo", "folder", "symlink-inside", "symlink-outside", "symlink-loop", "broken-symlink",
                            "empty", "bom-only", "socket", "hardlink", "long-name", "fifo-cover"])


@settings(CLASSES, max_examples=12)  # each example publishes: a dozen covers every oddity alone or in pairs
@given(oddities=st.lists(ODDITIES, min_size=1, max_size=3, unique=True), year=st.sampled_from(["2021", "2022"]))
def test_filesystem_oddities(tmp_path_factory, oddities, year):
    import shutil
    import socket

    from conftest import make_project

    root = make_project(tmp_path_factory.mktemp("odd") / "project")
    issues = root / "issues"
    target = issues / f"{year}.md"
    for oddity in oddities:
        if target.exists() or target.is_symlink():
            target = issues / f"{int(target.stem) + 2}.md"
        if oddity == "fifo":
            os.mkfifo(target)
        elif oddity == "folder":
            target.mkdir()
        elif oddity == "symlink-inside":
            target.symlink_to("2020.md")
        elif oddity == "symlink-outside":
            outside = root.parent / "outside.md"
            shutil.copy(issues / "2020.md", outside)
            target.symlink_to(outside)
        elif oddity == "symlink-loop":
            target.symlink_to(target.name)
        elif oddity == "broken-symlink":
            target.symlink_to("nowhere.md")
        elif oddity == "empty":
            target.write_bytes(b"")
        elif oddity == "bom-only":
            target.write_bytes(b"\xef\xbb\xbf")
        elif oddity == "socket":
            with socket.socket(socket.AF_UNIX) as unix:
                try:
                    unix.bind(str(target))
                except OSError:  # a path too long for a socket
                    continue
        elif oddity == "hardlink":
            os.link(issues / "2020.md", target)
        elif oddity == "long-name":
            (issues / ("x" * 250 + ".md")).write_text("x", encoding="utf-8")
        elif oddity == "fifo-cover":
            os.mkfifo(issues / "cover.png")
            text = (issues / "2020.md").read_text(encoding="utf-8")
            (issues / "2020.md").write_text(text.replace("draft: false", "cover:\n  image: cover.png\n  alt: 封面\n"
                                                         "draft: false"), encoding="utf-8")
    started = time.perf_counter()
    cli_output(root, "check")
    cli_output(root, "check", year)
    cli_output(root, "publish", "--all", "--only", "web,email", "-q")
    assert time.perf_counter() - started < 60
