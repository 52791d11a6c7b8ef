"""Hostile report files: the only outcomes allowed are a model or clear problems, in bounded time."""

from __future__ import annotations

import string
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
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
