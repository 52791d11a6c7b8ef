"""The glue the HTML editions put into text: a block's last characters and hyphenated names stay together."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from aireport.editions.typography import NOWRAP, keep_together

GLUED = NOWRAP + "{}</span>"


@pytest.mark.parametrize("source, expected", [
    ("AI 取得了显著进展。", "AI 取得了显著" + GLUED.format("进展。")),
    ("第二段落“引号”。", "第二段落“" + GLUED.format("引号”。")),
    ("大模型 GPT-3 发布", "大模型 " + GLUED.format("GPT-3") + " " + GLUED.format("发布")),
    ("准确度超过 90%。", "准确度超" + GLUED.format("过 90%。")),
    ("人工智能 & 伦理", "人工智能 &amp; " + GLUED.format("伦理")),  # text is escaped first
    ("汉", "汉"),  # nothing to keep together
])
def test_text_keeps_its_last_two_characters_and_punctuation_together(source, expected):
    assert keep_together(source) == Markup(expected)


def test_every_block_of_html_is_glued_and_code_and_addresses_are_left_alone():
    html = Markup('<p>第一段文字。</p>\n<p>见 <a href="https://x.org/a-b">https://x.org/watch?v=a-b</a></p>'
                  "<p><code>a-b 代码</code>第一行<br>\n第二行</p>")
    assert keep_together(html) == Markup(
        f'<p>第一段{GLUED.format("文字。")}</p>\n<p>见 <a href="https://x.org/a-b">https://x.org/watch?v=a-b</a></p>'
        f'<p><code>a-b 代码</code>第{GLUED.format("一行")}<br>\n第{GLUED.format("二行")}</p>')


def test_a_long_latin_ending_stays_free_to_wrap():
    assert NOWRAP not in keep_together("见 supercalifragilistic expialidocious")


def test_hyphenated_names_after_han_are_kept_whole():
    assert keep_together("语言模型GPT-3和 Covid-19 检测").count(NOWRAP) == 3


def test_digits_before_han_are_not_a_latin_word():
    assert keep_together("2020年人工智能十大技术进展") == Markup("2020年人工智能十大技术" + GLUED.format("进展"))
