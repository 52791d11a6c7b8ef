"""Chinese typesetting of the booklet (W3C clreq), measured on the PDF: lines justified
between characters, adjacent punctuation squeezed, no single character on a last line,
no line starting with a closing mark or ending with an opening one; whole folded sheets
with a back cover. On the real 2020 report, and on the same report with its paragraphs
wrapped between Han characters, as an editor's text editor leaves them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from aireport.editions.booklet import justify
from aireport.editions.booklet.addresses import short_url
from aireport.editions.booklet.clreq import compose
from aireport.editions.booklet.prepare import PAPERS, paper_context
from aireport.editions.booklet.typesetting import whole_sheets
from booklet_measure import MM, page_fill, read_pages, summary
from conftest import EPOCH, ROOT, make_project, publish_project

HAN = r"[\u3400-\u9fff]"
A5_HEIGHT = 210 * MM


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def measure(pdf: Path) -> dict:
    paper = paper_context(PAPERS["A5"])
    return summary(pdf, float(paper["margin_inner"][:-2]), float(paper["margin_outer"][:-2]))


def wrap_between_han(markdown: str, width: int = 18) -> str:
    """The report's body with its paragraphs and items broken into lines of about `width`
    characters, each break between two Han characters (continuation lines indented)."""
    front, body = re.match(r"(---\n.*?\n---\n)(.*)", markdown, re.S).groups()
    lines = []
    for line in body.splitlines():
        indent = re.match(r"\s*(?:[-*] |\d+\. )?", line).end()
        if line.lstrip().startswith(("#", "[", "- [", "{", "|", ">")) or len(line) < 2 * width:
            lines.append(line)
            continue
        start = 0
        for match in re.finditer(f"(?<={HAN})(?={HAN})", line):
            if match.start() - start >= width and match.start() < len(line) - 4:
                lines.append(line[start:match.start()] if start == 0 else " " * indent + line[start:match.start()])
                start = match.start()
        lines.append(line if start == 0 else " " * indent + line[start:])
    return front + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def wrapped_dist(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wrapped")
    source = base / "source"
    (source / "issues").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", source)
    wrapped = wrap_between_han((ROOT / "issues" / "2020.md").read_text(encoding="utf-8"))
    assert wrapped.count("\n") > (ROOT / "issues" / "2020.md").read_text(encoding="utf-8").count("\n") + 100
    (source / "issues" / "2020.md").write_text(wrapped, encoding="utf-8")
    root = make_project(base / "project", source)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return publish_project(root, base / "dist", "2020", only=("pdf",))


def assert_typeset_like_a_chinese_publication(pdf: Path) -> dict:
    numbers = measure(pdf)
    print({key: value for key, value in numbers.items() if not isinstance(value, list)})
    assert numbers["inner_lines"] > 100
    assert numbers["flush_ratio"] >= 0.95, numbers["ragged"]
    assert numbers["pairs"] > 10 and numbers["squeeze_ratio"] >= 0.90, numbers["wide_pairs"]
    assert numbers["orphans"] == []
    assert numbers["forbidden_edges"] == []
    assert numbers["pages"] % 4 == 0
    return numbers


@pytest.mark.slow
def test_the_real_booklet_is_justified_squeezed_and_without_orphans(real_dist):
    assert_typeset_like_a_chinese_publication(real_dist / "2020" / "aireport-2020.pdf")


@pytest.mark.slow
def test_a_report_wrapped_between_han_characters_is_set_the_same_way(wrapped_dist, real_dist):
    wrapped = wrapped_dist / "2020" / "aireport-2020.pdf"
    assert_typeset_like_a_chinese_publication(wrapped)
    assert pdftotext(wrapped) == pdftotext(real_dist / "2020" / "aireport-2020.pdf")


@pytest.mark.slow
@pytest.mark.parametrize("year", [2019, 2020])
def test_no_page_is_left_mostly_empty(real_dist, year):
    """Sections follow on: between the contents and the last page of text (before any notes
    pages and the back cover) every page is at least a third full."""
    pages = read_pages(real_dist / str(year) / f"aireport-{year}.pdf", 17, 14)
    body = [page for page in pages[2:-1] if "".join(line.text for line in page.lines) != "笔记"]
    fills = [round(page_fill(page, A5_HEIGHT, 17, 18), 2) for page in body]
    assert len(body) >= 6 and min(fills[:-1]) >= 1 / 3, fills


@pytest.mark.slow
def test_the_text_copies_out_as_written(real_dist):
    """Justification moves characters apart but adds none: no space appears between two Han
    characters (the report has none there), and quotation marks, squeezed marks and kept
    line ends leave no trace in the text."""
    pages = pdftotext(real_dist / "2020" / "aireport-2020.pdf").split("\f")
    text = "\f".join(page for page in pages if not page.startswith("年度时间线"))  # labels of a drawing
    assert re.findall(f"{HAN}[ \u200b\u2060]+{HAN}", text) == []
    assert "\u200b" not in text and "“深度势能”团队" in text


@pytest.mark.slow
def test_the_back_cover_is_the_last_page(real_dist):
    back = pdftotext(real_dist / "2020" / "aireport-2020.pdf").split("\f")[-2]
    assert "aireport.example.org/2020" in back and "扫码在线阅读" in back and "aireport 编辑部" in back


def test_adjacent_punctuation_gets_half_width_markup():
    html = compose("<p>学习（contrastive learning），其“可区分性”：模型<a>“引”</a>。《书》与“‘完备性’”</p>")
    assert 'learning<span class="halt">）</span>，' in html
    assert '可区分性<span class="halt">”</span>：' in html
    assert '<a><wbr>“引<span class="halt">”</span></a><span class="halt">。</span>《书》' in html  # across the link's end
    assert '“<span class="halt">‘</span>完' in html  # two opening marks: the second
    assert re.sub(r"<[^>]+>", "", html) == "学习（contrastive learning），其“可区分性”：模型“引”。《书》与“‘完备性’”"


def test_the_last_two_letters_of_a_paragraph_stay_together():
    assert compose("<p>如果再结合这些系统，让他们看清世界的梦想成为现实。</p>").endswith('<span class="nobr">现实。</span></p>')
    assert compose("<h3>相关研究发表在 Nature Chemistry 上</h3>").endswith('<span class="nobr">Chemistry 上</span></h3>')
    assert compose("<li>No.1 of the list, in Latin letters</li>") == "<li>No.1 of the list, in Latin letters</li>"
    assert compose("<h3>大模型 GPT-3 发布</h3>") == "<h3>大模型 GPT-3 发布</h3>"  # one line anywhere


def test_markup_stays_out_of_attributes_styles_and_pictures():
    html = '<style>p::after{content:"，“"}</style><p title="，“甲乙">甲乙”，丙丁。</p><svg><text>，。</text></svg>'
    assert compose(html) == ('<style>p::after{content:"，“"}</style><p title="，“甲乙">甲乙<span class="halt">”</span>'
                             '，丙丁。</p><svg><text>，。</text></svg>')


@pytest.mark.parametrize("url, printed", [
    ("https://www.youtube.com/watch?v=CSe3_u9P-RM&pp=ygULT3BlbkFJIEdQVDM%3D", "youtube.com/watch?v=CSe3_u9P-RM"),
    ("https://cors.zfour.workers.dev/?http://pic.zhishifenzi.com/q/e9/zsfz1609416004.7222037.jpg",
     "pic.zhishifenzi.com/q/e9/zsfz1609416004.7222037.jpg"),
    ("https://example.org/a?utm_source=x&id=3#top", "example.org/a?id=3"),
    ("https://aireport.example.org/2020/", "aireport.example.org/2020"),
])
def test_printed_addresses_are_short(url, printed):
    assert short_url(url) == printed


def test_notes_pages_make_whole_sheets():
    class Page:
        def __init__(self, name):
            self.anchors = {name: None}

    for count in range(3, 12):
        pages = [Page(f"p{n}") for n in range(count)] + [Page("notes"), Page("back")]
        sheets = whole_sheets(pages)
        assert len(sheets) % 4 == 0 and sheets[-1] is pages[-1] and len(sheets) - len(pages) in (-1, 0, 1, 2)


def test_justification_between_characters_only_for_the_weasyprint_it_was_written_for(monkeypatch):
    import weasyprint
    from weasyprint.layout import inline

    original = inline.justify_line
    with justify.inter_character_justification():
        assert inline.justify_line is not original
    assert inline.justify_line is original
    monkeypatch.setattr(weasyprint, "__version__", "999.0")
    with justify.inter_character_justification():
        assert inline.justify_line is original
    assert [char for char in "甲，“A 1" if justify.is_spreadable(char)] == ["甲", "，", "“", " "]


def test_overlapping_justification_blocks_put_weasyprint_back():
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    originals = (inline.justify_line, line_break.Layout.set_text)
    first, second = justify.inter_character_justification(), justify.inter_character_justification()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert inline.justify_line is not originals[0]  # the second block is still under way
    second.__exit__(None, None, None)
    assert (inline.justify_line, line_break.Layout.set_text) == originals
