"""Source line breaks: gone between Chinese characters, a space next to Latin text, in every edition."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from aireport.report.markup import Renderer
from aireport.report.softbreaks import seam, unwrap

from conftest import ROOT, publish_project

HAN = "\u4e00-\u9fff"
SPACE_BETWEEN_HAN = re.compile(f"[{HAN}] +[{HAN}]")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+\.)\s+")
WRAP_AFTER = 12  # characters on a line before the next break between two Han characters


@pytest.mark.parametrize("before, after, joined", [
    ("汉", "字", ""),          # Han and Han
    ("字，", "汉", ""),         # full-width punctuation either side
    ("汉", "（AI", ""),
    ("发布", "GPT-3", " "),     # Han and Latin: house style's space
    ("GPT-3", "的", " "),
    ("在", "400亿", " "),       # Han and digits
    ("machine", "learning", " "),
    ("“GPT”", "的", ""),        # a curly quote beside Chinese text is Chinese punctuation
    ("发布“", "GPT”", ""),
    ("said “hi”", "and", " "),  # ... and Latin between Latin words
    ("한국어", "문장", " "),      # Korean separates words with spaces
])
def test_a_line_break_becomes_nothing_or_one_space(before, after, joined):
    assert seam(before, after) == joined
    assert unwrap(f"{before}\n  {after}") == before + joined + after


def test_unwrap_keeps_paragraph_breaks():
    assert unwrap("第一\n段落\n\n第二\n段落") == "第一段落\n\n第二段落"


@pytest.mark.parametrize("source, html", [
    ("汉字\n汉字", "<p>汉字汉字</p>"),
    ("OpenAI\n发布了\nGPT-3\n模型", "<p>OpenAI 发布了 GPT-3 模型</p>"),
    ("**粗体**\n汉字 *强调\n文字*", "<p><strong>粗体</strong>汉字 <em>强调文字</em></p>"),
    ("两个空格  \n是硬换行", "<p>两个空格<br>\n是硬换行</p>"),
    ("反斜杠\\\n也是硬换行", "<p>反斜杠<br>\n也是硬换行</p>"),
    ("代码 `a\nb` 中\n的换行", "<p>代码 <code>a b</code> 中的换行</p>"),
    ("缩进代码：\n\n    汉\n    字", "<p>缩进代码：</p>\n<pre><code>汉\n字\n</code></pre>"),
    ("链接 [标\n题](https://example.org)\n汉字", '<p>链接 <a href="https://example.org" rel="noopener">标题</a>汉字</p>'),
])
def test_markdown_joins_soft_breaks_and_keeps_hard_breaks_and_code(source, html):
    assert Renderer().block(source).html == html


def test_plain_text_follows_the_html():
    text = Renderer().block("第一行\n第二行 **A100**\n的文字")
    assert text.plain == "第一行第二行 A100 的文字"


def rewrap(report: str) -> str:
    """The report with every paragraph, item and the summary wrapped between Han characters."""
    front, body = report.split("\n---\n", 1)
    front = re.sub(r"(?m)^(summary: >-\n)((?:  .*\n)+)",
                   lambda m: m.group(1) + "".join(_wrap_line(line) for line in m.group(2).splitlines(True)), front)
    lines, fence = [], False
    for line in body.splitlines(True):
        fence ^= line.lstrip().startswith("```")
        plain = not (fence or line.startswith("#") or not line.strip() or re.search(r"\]\(|<https?:", line))
        lines.append(_wrap_line(line) if plain else line)
    return front + "\n---\n" + "".join(lines)


def _wrap_line(line: str) -> str:
    marker = LIST_ITEM.match(line)
    indent = " " * (marker.end() if marker else len(line) - len(line.lstrip(" ")))
    out, since = "", 0
    for index, ch in enumerate(line):
        out += ch
        since += 1
        following = line[index + 1:index + 2]
        if since >= WRAP_AFTER and re.fullmatch(f"[{HAN}]", ch) and re.fullmatch(f"[{HAN}]", following or "-"):
            out += "\n" + indent
            since = 0
    return out


def _publish(root: Path, report: str) -> dict[str, bytes]:
    (root / "issues").mkdir(parents=True)
    for image in (ROOT / "issues").iterdir():
        if image.is_dir():
            shutil.copytree(image, root / "issues" / image.name)
    (root / "issues" / "2020.md").write_text(report, encoding="utf-8")
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "templates", root / "templates")
    out = publish_project(root, root / "dist", "2020", only=("web", "email", "feed"))
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_a_report_wrapped_between_han_characters_gives_the_same_editions(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1609372800")
    report = (ROOT / "issues" / "2020.md").read_text(encoding="utf-8")
    wrapped = rewrap(report)
    assert wrapped.count("\n") > report.count("\n") + 200  # the rewrap really wrapped
    monkeypatch.chdir(tmp_path)
    unwrapped_editions = _publish(tmp_path / "unwrapped", report)
    wrapped_editions = _publish(tmp_path / "wrapped", wrapped)
    assert {"2020/index.html", "2020/email.txt", "2020/email.html", "atom.xml", "rss.xml"} <= set(wrapped_editions)
    assert sorted(wrapped_editions) == sorted(unwrapped_editions)
    different = [name for name in wrapped_editions if wrapped_editions[name] != unwrapped_editions[name]]
    assert different == []
    for name, data in wrapped_editions.items():
        if name.endswith((".html", ".txt", ".xml", ".json")):
            text = re.sub(r"<[^>]+>", "", data.decode("utf-8"))
            assert not SPACE_BETWEEN_HAN.findall(text), name


def test_item_labels_and_link_titles_unwrap_too(tmp_path):
    from aireport.report.loader import load_report

    source = (ROOT / "tests" / "data" / "fixture" / "issues" / "2020.md").read_text(encoding="utf-8")
    source = source.replace("- **事件**：", "- **重大\n  事件**：").replace(
        "- [视频（YouTube）](", "- [相关\n  视频 YouTube\n  检索](")
    (tmp_path / "2020.md").write_text(source, encoding="utf-8")
    topic = load_report(tmp_path / "2020.md").chapters[0].topics[0]
    assert topic.items[0].label == "重大事件"
    assert topic.links[0].title == "相关视频 YouTube 检索"
