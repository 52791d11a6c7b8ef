"""The e-mail edition: HTML that survives mail clients, a real plain-text version, and a sendable .eml."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aireport.config import load_config
from aireport.editions.email.digest import ELLIPSIS, first_sentence
from aireport.errors import BuildError
from aireport.report.loader import load_report
from aireport.editions.email.message import HTML_BUDGET, render_email
from aireport.editions.email.plaintext import display_width, fill, wrap
from aireport.editions.site import Site
from aireport.editions.typography import without_glue
from aireport.editions.templating import make_environment

from browser import CHROMIUM, orphans, scroll_width
from conftest import DATA, FIXTURE, ROOT, make_project, publish_project

FIXTURE_SITE = "https://reports.example.org/ai"  # tests/data/fixture/pyproject.toml
REAL_SITE = "https://aireport.example.org"  # pyproject.toml
FONT_STACK = "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"


class Collector(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def find(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def html_problems(html: str) -> list[str]:
    """What would break the HTML in a mail client: scripts, outside CSS or fonts, relative URLs, bare images."""
    page = Collector(html)
    problems = [f"<{tag}>" for tag, _ in page.tags if tag in ("script", "iframe", "form", "object", "embed")]
    problems += [f"<link {a}>" for a in page.find("link")]
    problems += ["@import or @font-face" for css in page.styles if re.search(r"@import|@font-face", css)]
    for css in page.styles:
        outside_media = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
        if outside_media.strip():
            problems.append(f"CSS outside @media left uninlined: {outside_media.strip()[:60]}")
    for tag, attrs in page.tags:
        for name in ("href", "src", "background"):
            url = attrs.get(name)
            if url is not None and not re.match(r"(https?://[^/\s]+\.|mailto:[^@\s]+@)", url):
                problems.append(f"<{tag} {name}={url!r}>: not an absolute URL")
        if tag == "img" and not all(attrs.get(key) for key in ("alt", "width", "height")):
            problems.append(f"<img {attrs}>: needs alt, width and height")
    if len(html.encode("utf-8")) > HTML_BUDGET:
        problems.append("over the size budget")
    return problems


def message(dist: Path, year: int = 2020):
    return BytesParser(policy=policy.default).parsebytes((dist / str(year) / "email.eml").read_bytes())


def read(dist: Path, name: str, year: int = 2020) -> str:
    return (dist / str(year) / name).read_text(encoding="utf-8")


# --- the HTML -------------------------------------------------------------------------------------


def test_the_html_check_finds_what_mail_clients_break():
    bad = ('<html><head><link rel="stylesheet" href="https://x.org/a.css"><style>p { color: red }'
           '@font-face { font-family: X }</style></head><body><script>1</script>'
           '<a href="../2020/">x</a><img src="https://x.org/a.png"></body></html>')
    assert len(html_problems(bad)) == 6
    assert html_problems(bad + " " * HTML_BUDGET)[-1] == "over the size budget"


@pytest.mark.parametrize("year", [2019, 2020])
def test_real_email_html_is_safe_for_mail_clients(real_dist, year):
    html = read(real_dist, "email.html", year)
    assert html_problems(html) == []
    assert len(html.encode("utf-8")) < HTML_BUDGET


def test_fixture_email_html_is_safe_for_mail_clients(fixture_dist):
    assert html_problems(read(fixture_dist, "email.html")) == []


def test_head_declares_language_charset_and_keeps_only_media_rules(fixture_dist):
    html = read(fixture_dist, "email.html")
    page = Collector(html)
    assert page.find("html")[0]["lang"] == "zh-CN"
    assert html.index('<meta charset="utf-8">') < 200  # within the bytes a browser sniffs
    media = "".join(page.styles)
    assert "@media (max-width: 620px)" in media and "@media (prefers-color-scheme: dark)" in media
    assert 'content="light dark"' in html


def test_layout_is_a_600px_column_with_an_outlook_ghost_table(fixture_dist):
    html = read(fixture_dist, "email.html")
    page = Collector(html)
    assert '<!--[if mso]><table role="presentation" width="600"' in html
    containers = [a for a in page.find("div") if a.get("class") == "container"]
    assert containers and "max-width:600px" in containers[0]["style"]
    assert all(a.get("role") == "presentation" for a in page.find("table"))


def test_every_cell_and_link_has_explicit_colours_and_the_cjk_font_stack(fixture_dist):
    page = Collector(read(fixture_dist, "email.html"))
    for attrs in page.find("td") + page.find("a"):
        assert re.search(r"(^|;)color:#[0-9a-f]{6}", attrs.get("style", "")), attrs
    for attrs in page.find("td"):
        assert f"font-family:{FONT_STACK}" in attrs["style"]
    body = page.find("body")[0]["style"]
    assert "background-color:#eef0f3" in body
    assert all("background-color" in a["style"] for a in page.find("table") if "bgcolor" in a)


def test_preheader_is_the_summary_hidden(fixture_dist):
    html = read(fixture_dist, "email.html")
    summary = load_report(FIXTURE / "issues" / "2020.md").summary
    preheader = re.search(r'<div class="preheader" style="([^"]*)">(.*?)</div>', html)
    assert preheader.group(2) == summary + "\u200c&nbsp;" * 40
    assert "display:none" in preheader.group(1) and "mso-hide:all" in preheader.group(1)
    assert without_glue(html).count(summary) == 2  # the preheader, then the summary block readers see


@pytest.fixture(scope="session")
def digest_dist(tmp_path_factory) -> Path:
    """The fixture report's e-mail (and web page) with `email = "digest"`."""
    root = make_project(tmp_path_factory.mktemp("digest") / "project")
    settings = root / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + 'email = "digest"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return publish_project(root, root / "dist", "2020", only=("email", "web"))


def words(html: str) -> str:
    return re.sub(r"<[^>]+>", "", without_glue(html))


def test_full_email_is_the_whole_report(fixture_dist):
    html, text = without_glue(read(fixture_dist, "email.html")), read(fixture_dist, "email.txt")
    report = load_report(FIXTURE / "issues" / "2020.md")
    assert "这是本期报告的全文版" in html and "这是本期报告的全文版" in text
    assert "摘要" not in html
    for section in report.sections:  # the editor's note and the closing summary too
        assert f"{section.title}</a></h2>" in html and f"【{section.label}】" in text
        for paragraph in section.paragraphs:
            assert words(paragraph.html) in words(html)
    hrefs = re.findall(r'href="([^"]+)"', html)
    for topic in (t for s in report.sections for t in s.topics):
        for paragraph in topic.paragraphs:
            assert words(paragraph.html) in words(html) and paragraph.plain.splitlines()[0][:20] in text
        for link in topic.links:
            assert link.url.replace("&", "&amp;") in [h for h in hrefs] and link.url in text
    # Items are whole, sub-points included, not cut to their first sentence.
    assert "自监督学习成为主流" in html
    assert ELLIPSIS not in html


def test_digest_says_it_is_one_and_links_every_topic_to_its_place_on_the_web_page(digest_dist):
    fixture_dist = digest_dist
    html = without_glue(read(fixture_dist, "email.html"))
    assert "这是本期报告的摘要版" in html and "这是本期报告的摘要版" in read(fixture_dist, "email.txt")
    page_url = f"{FIXTURE_SITE}/2020/"
    web_ids = {a["id"] for _, a in Collector(read(fixture_dist, "index.html")).tags if "id" in a}
    anchors = [href[len(page_url) + 1:] for href in re.findall(r'href="([^"]+)"', html)
               if href.startswith(page_url + "#")]
    report = load_report(FIXTURE / "issues" / "2020.md")
    shown = [s for s in report.sections if s.kind in ("chapter", "ranked")]
    assert anchors == [a for s in shown for a in (s.anchor, *(t.anchor for t in s.topics))]
    assert set(anchors) <= web_ids
    for topic in (t for s in shown for t in s.topics):
        assert f">{topic.title}</a></h3>" in html
    assert [int(n) for n in re.findall(r'<span class="rank"[^>]*>No\.(\d+)</span>', html)] == [3, 2, 1]
    assert "编者按</a></h2>" not in html  # the digest leaves the editor's note to the full page


def test_digest_shows_each_item_label_with_its_first_sentence(digest_dist):
    html = without_glue(read(digest_dist, "email.html"))
    assert ">事件</strong>：2020 年 5 月，OpenAI 发布了拥有 1750亿参数的 GPT-3。</li>" in html
    assert ">意义</strong>：GPT-3 是 NLP 领域的一次重大突破。</li>" in html  # first sub-point
    assert "自监督学习成为主流" not in html  # later sub-points stay on the web page
    assert ">研究团队</strong>：北京应用物理与计算数学研究院" in html
    # A ranked entry without items shows the first sentence of its explanation.
    assert "GPT-3 具有 1750亿参数，训练数据量达到 45TB，训练费用超过 1200万美元。</li>" in html


def test_buttons_and_footer_use_the_configured_urls(fixture_dist):
    page = Collector(read(fixture_dist, "email.html"))
    hrefs = [a["href"] for a in page.find("a")]
    buttons = [a["href"] for a in page.find("a") if "button" in a.get("class", "")]
    assert buttons == [f"{FIXTURE_SITE}/2020/", f"{FIXTURE_SITE}/2020/aireport-2020.pdf"]
    assert f"{FIXTURE_SITE}/unsubscribe" in hrefs and "mailto:editor@example.org" in hrefs
    html = read(fixture_dist, "email.html")
    assert "测试编辑部" in html and "你收到这封邮件，是因为你订阅了" in html
    assert '>退订</a>' in html


@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium package")
@pytest.mark.parametrize("width", [600, 375])
def test_email_does_not_overflow_horizontally(real_dist, width):
    assert scroll_width(real_dist / "2020" / "email.html", width) <= width


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium package")
@pytest.mark.parametrize("width", [375, 600])
def test_no_block_ends_on_a_line_of_one_character(real_dist, width):
    assert orphans(real_dist / "2020" / "email.html", width) == []


# --- the plain text -------------------------------------------------------------------------------


def test_text_is_the_whole_report_wrapped_with_its_links(real_dist):
    text = read(real_dist, "email.txt")
    report = load_report(ROOT / "issues" / "2020.md")
    for line in text.splitlines():
        assert display_width(line) <= 72 or "https://" in line, line
        assert not re.match(r"\s*[，。、；：？！）》」]", line), line
    assert not re.search(r"<[a-z/][^>]*>|&[a-z]+;|&#\d+;", text)
    assert f"在线阅读：{REAL_SITE}/2020/" in text and f"PDF 年度手册：{REAL_SITE}/2020/aireport-2020.pdf" in text
    for section in report.sections:
        assert f"【{section.label}】" in text
    assert [line.strip() for line in text.splitlines() if line.startswith("    https://")] == \
        [link.url for link in report.links]
    assert ("\n  * 意义\n    - GPT-3 的问世是 NLP 领域的重大突破，推动语言模型进入商业与科研应\n"
            "      用；") in text
    assert f"退订：{REAL_SITE}/unsubscribe" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_digest_text_has_link_footnotes(digest_dist):
    text = read(digest_dist, "email.txt")
    report = load_report(FIXTURE / "issues" / "2020.md")
    page = f"{FIXTURE_SITE}/2020/"
    notes = [int(n) for n in re.findall(r"^(?:No\.\d+ )?.+ \[(\d+)\]$", text, flags=re.M)]
    targets = dict(re.findall(r"^\[(\d+)\] (https://\S+)$", text, flags=re.M))
    topics = [t for s in report.sections for t in s.topics]
    assert notes == list(range(1, len(topics) + 1))
    assert [targets[str(n)] for n in notes] == [f"{page}#{t.anchor}" for t in topics]
    assert "\n  * 事件：2020 年 5 月，OpenAI 发布了拥有 1750亿参数的 GPT-3。\n" in text


def test_wrap_breaks_between_chinese_characters_but_not_inside_words():
    assert wrap("一二三四五六七八九十", 10) == ["一二三四五", "六七八九十"]
    assert wrap("alpha beta gamma delta", 11) == ["alpha beta", "gamma delta"]
    assert wrap("中文 GPT-3 模型", 7) == ["中文", "GPT-3", "模型"]
    assert wrap("https://example.org/a/very/long/path 之后", 10) == ["https://example.org/a/very/long/path", "之后"]


def test_wrap_keeps_punctuation_off_the_wrong_end_of_a_line():
    assert wrap("一二三四，五六", 8) == ["一二三", "四，五六"]  # no line starts with ，
    assert wrap("一二三“四五”六", 8) == ["一二三", "“四五”", "六"]  # no line ends with “
    assert wrap("名单按“重要性”排序。", 12) == ["名单按“重要", "性”排序。"]


def test_wrap_indents_continuation_lines_under_list_markers():
    assert wrap("  * 标签：一二三四五六七八", 14) == ["  * 标签：一二", "    三四五六七", "    八"]
    assert wrap("[12] 一二三四五六", 10) == ["[12] 一二", "     三四", "     五六"]
    assert fill("短\n\n" + "一" * 8, 10) == "短\n\n一一一一一\n一一一"


def test_first_sentence_stops_at_the_first_full_stop_or_a_clause_near_the_limit():
    assert first_sentence("第一句。第二句。") == "第一句。"
    assert first_sentence("It works. Then more.") == "It works."
    assert first_sentence("版本 3.5 发布。") == "版本 3.5 发布。"
    assert first_sentence("第一行\n第二行") == "第一行"
    long = "甲" * 30 + "，" + "乙" * 30 + "。"
    assert first_sentence(long, limit=40) == "甲" * 30 + ELLIPSIS
    assert first_sentence("丙" * 50, limit=40) == "丙" * 40 + ELLIPSIS


# --- the message ----------------------------------------------------------------------------------


def test_message_parts_decode_to_the_text_and_html_files(fixture_dist):
    msg = message(fixture_dist)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part, name in zip(parts, ("email.txt", "email.html"), strict=True):
        assert part["Content-Transfer-Encoding"] == "base64"
        assert part.get_content_charset() == "utf-8"
        # MIME text travels with CRLF line breaks (RFC 2046); otherwise the part is the file.
        assert part.get_content() == read(fixture_dist, name).replace("\n", "\r\n")
    assert msg.defects == [] and all(p.defects == [] for p in parts)


def test_message_headers_come_from_the_report_and_settings(fixture_dist):
    msg = message(fixture_dist)
    assert msg["Subject"] == "2020 AI 年度回顾（样例）：用于测试的小型报告"
    (sender,) = msg["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("测试编辑部", "editor@example.org")
    assert msg["Date"].datetime == datetime(2020, 12, 31, tzinfo=timezone(timedelta(hours=8)))
    assert msg["Message-ID"] == "<aireport-2020@reports.example.org>"
    assert msg["List-Unsubscribe"] == (
        f"<mailto:editor@example.org?subject=unsubscribe>, <{FIXTURE_SITE}/unsubscribe>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["MIME-Version"] == "1.0" and msg["Content-Language"] == "zh-CN"
    assert all(not header.defects for header in msg.values())


def test_message_is_seven_bit_crlf_with_short_lines(fixture_dist):
    raw = (fixture_dist / "2020" / "email.eml").read_bytes()
    assert raw.isascii() and b"quoted-printable" not in raw.lower()
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 78


def test_real_message_is_smaller_than_html_as_quoted_printable_would_be(real_dist):
    html = (real_dist / "2020" / "email.html").read_bytes()
    text = (real_dist / "2020" / "email.txt").read_bytes()
    eml = (real_dist / "2020" / "email.eml").read_bytes()
    assert len(eml) < (len(html) + len(text)) * 1.45  # base64 adds a third; QP would add ~90 %


def test_same_report_gives_byte_identical_email():
    config = load_config(FIXTURE)
    report = load_report(FIXTURE / "issues" / "2020.md")
    site = Site(config, make_environment(ROOT / "templates"), (report,))
    assert render_email(report, site) == render_email(report, site)


# --- settings and failures ------------------------------------------------------------------------


def test_sender_and_unsubscribe_url_come_from_tool_aireport(project, cli):
    settings = project / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + 'email_from = "AI 周刊 <news@example.org>"\n'
                        'unsubscribe_url = "https://lists.example.org/u/ai"\n', encoding="utf-8")
    result = cli("publish", "2020", "--only", "email")
    assert result.exit_code == 0, result.output
    assert re.search(r"email\s+dist/2020/email\.html\s+\d+ KB", result.stderr)  # the size is reported
    msg = message(project / "dist")
    assert msg["From"].addresses[0].addr_spec == "news@example.org"
    assert msg["List-Unsubscribe"].endswith("<https://lists.example.org/u/ai>")
    assert 'href="https://lists.example.org/u/ai"' in read(project / "dist", "email.html")
    assert "退订：https://lists.example.org/u/ai" in read(project / "dist", "email.txt")


def test_a_malformed_sender_fails_with_one_line(project, cli):
    settings = project / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + 'email_from = "news desk"\n', encoding="utf-8")
    result = cli("publish", "2020", "--only", "email")
    assert result.exit_code == 1
    assert result.stderr == ("Error: pyproject.toml:6: [tool.aireport] email_from: not a single address "
                             "such as 'Name <editor@example.org>'\n")
    assert result.stderr.count("\n") == 1
    assert not (project / "dist" / "2020").exists()


def test_an_email_over_the_budget_fails_the_build_with_one_line(project, cli):
    issue = project / "issues" / "2020.md"
    chapter = "\n".join(f"## 第 {n} 章 {{#long-{n}}}\n\n" + "".join(
        f"### 话题 {n}-{t}\n\n- **事件**：{'模型与芯片的进展。' * 4}\n- **意义**：{'推动了研究与应用。' * 4}\n\n"
        for t in range(6)) for n in range(30))
    text = issue.read_text(encoding="utf-8").replace("## 总结 {.summary}", chapter + "\n## 总结 {.summary}")
    issue.write_text(text, encoding="utf-8")
    result = cli("publish", "2020", "--only", "email")
    assert result.exit_code == 1
    assert re.fullmatch(r"Error: dist/2020/email\.html: \d+\.\d KB is over the e-mail budget of 80 KB "
                        r"\(Gmail clips longer messages\); shorten the report's topics or items, or set "
                        r"email = \"digest\" in \[tool.aireport\] to send a summary instead\n", result.stderr)
    assert not (project / "dist" / "2020").exists()


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022])
def test_every_real_report_fits_the_budget_in_full(year):
    config = load_config(ROOT)
    assert config.email == "full"
    report = load_report(ROOT / "issues" / f"{year}.md")
    site = Site(config, make_environment(ROOT / "templates"), (report,))
    html = render_email(report, site)[f"{year}/email.html"]
    assert len(html) < HTML_BUDGET
    assert all(link.url.replace("&", "&amp;").encode() in html for link in report.links)


def test_budget_is_checked_on_the_rendered_html():
    config = load_config(FIXTURE)
    report = load_report(FIXTURE / "issues" / "2020.md")
    site = Site(config, make_environment(ROOT / "templates"), (report,))
    assert len(render_email(report, site)["2020/email.html"]) < HTML_BUDGET
    longer = replace(report, sections=report.sections * 60)
    with pytest.raises(BuildError, match=r"KB is over the e-mail budget of 80 KB"):
        render_email(longer, site)


def test_plain_text_drops_tag_like_front_matter_that_would_carry_live_urls(tmp_path, monkeypatch):
    root = make_project(tmp_path / "hostile", DATA / "hostile")
    monkeypatch.chdir(root)
    text = read(publish_project(root, root / "dist", "2020", only=("email",)), "email.txt")
    assert "evil.example" not in text and "<script" not in text and "onerror" not in text
    assert text.startswith("攻击测试 alert('title')\n")
