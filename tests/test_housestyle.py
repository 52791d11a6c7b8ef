"""House style, prose spans and years: what `aireport check` reads, and what it leaves alone."""

from __future__ import annotations

import time

import pytest

from aireport.report.housestyle import fix_house_style, house_style_findings
from aireport.report.textspans import prose_spans
from aireport.report.years import allowed_years, events, mentioned_years
from conftest import ROOT

HEAD = "---\nyear: 2020\ntitle: 测试\nauthors: [张三AI]\nsources:\n  - id: deck\n    title: 2020年AI大事件\n---\n"


def prose(text: str) -> list[str]:
    lines = text.split("\n")
    return [lines[s.line - 1][s.start:s.end] for s in prose_spans(text)]


def test_prose_leaves_out_code_urls_comments_tags_keys_names_and_heading_attributes():
    body = ("## 编者按AI {.editors-note source=deck}\n\n"
            "见[论文AI](https://example.com/a_b(c)) 与 <https://x.org/中文>，`code中文`\n"
            "<span>AI芯片</span><!-- 注释AI\n仍是注释 -->之后AI\n"
            "```\n代码AI\n```\n"
            "访问 https://example.com/路径AI，再说\n")
    assert prose(HEAD + body) == ["测试", "## 编者按AI", "见", "论文AI", "与", "，", "AI芯片", "之后AI", "访问", "，再说"]


def test_prose_of_block_and_quoted_front_matter_values():
    head = '---\nyear: 2020\ntitle: "标题AI"\nsubtitle: 副标题AI\nsummary: >-\n  第一行AI\n  第二行AI\n---\n'
    assert prose(head) == ["标题AI", "副标题AI", "第一行AI", "第二行AI"]


@pytest.mark.parametrize("text, expected", [
    ("AI芯片", [("spacing", "AI芯片", "AI 芯片")]),
    ("有1750亿参数", [("spacing", "有1750", "有 1750"), ("number-style", "1750亿", "1750 亿")]),
    ("昇腾910发布", [("spacing", "昇腾910发布", "昇腾 910 发布")]),  # a model number, not a quantity
    ("发布,很好", [("punctuation", "发布,很好", "发布，很好")]),
    ("- **意义**: 它很重要", [("punctuation", "*: 它很", "*：它很")]),
    ("- **意义:** 它很重要", [("punctuation", "意义:** 它很", "意义：**它很")]),
    ("- **A100 GPU**: fast", []),
    ("提高1.5~3倍", [("spacing", "提高1.5", "提高 1.5"), ("number-style", "3倍", "3 倍"),
                   ("number-style", "1.5~3", "1.5～3")]),
    ("FaceBook 与 facebook", [("terminology", "FaceBook", "Facebook"), ("terminology", "facebook", "Facebook")]),
    ("GPT3.5 与 AlphaFold 2 和 AlphaFold", [("terminology", "GPT3", "GPT-3"),
                                          ("terminology", "AlphaFold 2", "AlphaFold2")]),
    ("GPT-3 与 AlphaFold2、英伟达 和 NVIDIA", []),
    ("见 github.com 与 youtube.com/watch", []),
])
def test_findings_say_what_to_change(text, expected):
    found = house_style_findings(HEAD + "\n" + text)
    assert [(f.rule, f.before, f.after) for f in found] == expected


def test_fix_changes_only_prose_and_keeps_lines():
    text = HEAD + "\n## AI芯片 {#chips}\n\n- [视频AI](https://x.org/AI芯片)：1750亿\n"
    fixed, changed = fix_house_style(text)
    assert changed == 2
    assert fixed == HEAD + "\n## AI 芯片 {#chips}\n\n- [视频 AI](https://x.org/AI芯片)：1750 亿\n"
    assert fix_house_style(fixed) == (fixed, 0)


@pytest.mark.parametrize("line, expected", [
    ("2023 年 5 月，云从科技上市", [(2023, 5)]),
    ("商汤科技 2021-2023 年的累计亏损", [(2021, None), (2023, None)]),
    ("预计到 2025 年将扩大到 726 亿美元", []),
    ("预计 2023 年将达到 557 亿元", []),
    ("到 2030 年将普及", []),
    ("公司将在 2024 年推出", []),
    ("2025 年前实现", []),
    ("截至 2023 年 6 月，累计用户过亿", [(2023, 6)]),
    ("到了之后的 2024 年却遭遇业务大溃败", [(2024, None)]),
    ("该奖设立于 1987 年 <!-- aireport: allow year 1987 -->", [(1987, None)]),
    ("拥有 2048 块 GPU", []),
])
def test_events_are_dated_years_that_are_not_forecasts(line, expected):
    assert [(e.year, e.month) for e in events(1, line)] == expected


def test_durations_are_not_years_with_or_without_the_space():
    assert mentioned_years("近10年与过去 20 年，10 年来；22 年会更好") == {2022}


def test_acknowledged_years_and_comments():
    line = "1987 年与 2019 年 <!-- aireport: allow year 1987, 2019 --> <!-- aireport: allow years 2023 -->"
    assert allowed_years(line) == {1987, 2019, 2023}
    assert mentioned_years(line) == {1987, 2019}


def test_house_style_of_a_real_report_is_quick():
    text = (ROOT / "tests" / "data" / "fixture" / "issues" / "2020.md").read_text(encoding="utf-8")
    house_style_findings(text)  # warm
    started = time.perf_counter()
    for _ in range(10):
        house_style_findings(text)
    assert (time.perf_counter() - started) / 10 < 0.05
