"""`aireport check` over good and bad reports: exact lines, exit codes, summaries."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from aireport.cli import main

from conftest import DATA, ROOT

BAD = DATA / "bad"
HOUSE_STYLE = {"spacing", "punctuation", "terminology", "number-style"}
RULES = HOUSE_STYLE | {"file", "yaml", "front-matter", "structure", "url", "links", "ranks", "html", "image",
                       "other-year", "date", "placeholder"}

EXPECTED = {
    "bad-date": ["4: error: 'date' must be a date such as 2021-01-08, not '31.12.2020'"],
    "date": ["19: error: 'date' 2021-01-08 (line 4) is earlier than 2021 年 3 月, which this line tells as done; "
             "set 'date' to when this edition is published"],
    "date-before-year": ["4: error: 'date' 2019-12-31 is earlier than the report's year 2020; 'date' is the day "
                         "this edition is published: set it to that day"],
    "number-style": [
        "18: warning: \"1750亿\" → \"1750 亿\": a space between a number and its Chinese unit",
        "19: warning: \"1.5~3\" → \"1.5～3\": a range of numbers takes \"～\"",
    ],
    "placeholder": [
        "6: error: placeholder text \"用一段话概括这一年：最重要的模型、芯片、产业与治理事件。\" left from the template; "
        "replace it",
        "16: error: placeholder text \"第一个话题\" left from the template; replace it",
        "18: error: placeholder text \"发生了什么，何时，由谁。\" left from the template; replace it",
        "19: error: placeholder text \"watch?v=VIDEO\" left from the template; replace it",
    ],
    "punctuation": ["18: warning: \"月,OpenAI\" → \"月，OpenAI\": full-width punctuation in Chinese text"],
    "spacing": [
        "14: warning: \"AI芯片\" → \"AI 芯片\": a space between Chinese and Latin text",
        "18: warning: \"OpenAI发布\" → \"OpenAI 发布\": a space between Chinese and Latin text",
    ],
    "terminology": [
        "16: warning: \"AlphaFold 2\" → \"AlphaFold2\": one spelling per name (house terms: docs/format.md)",
        "18: warning: \"Deepmind\" → \"DeepMind\": one spelling per name (house terms: docs/format.md)",
        "18: warning: \"FaceBook\" → \"Facebook\": one spelling per name (house terms: docs/format.md)",
        "18: warning: \"GPT3\" → \"GPT-3\": one spelling per name (house terms: docs/format.md)",
        "19: warning: \"AlphaFold 2\" → \"AlphaFold2\": one spelling per name (house terms: docs/format.md)",
    ],
    "yaml-colon": ["4: error: invalid YAML in front matter: mapping values are not allowed here; put the value in "
                   "quotes: subtitle: \"大模型: 芯片\""],
    "bad-url": [
        "20: error: URL 'ftp://example.org/file' is not an http(s) link; only web links are allowed",
        "21: error: URL 'javascript:alert(1)' is not an http(s) link; only web links are allowed",
    ],
    "binary": ["3: error: is a binary file (contains NUL bytes); a report is UTF-8 Markdown"],
    "deep-heading": ["20: error: '####' headings are not part of the format; use a labelled item "
                     "('- **标签**：…') instead"],
    "duplicate-link": ["21: error: duplicate link in topic '大模型 GPT-3 发布' (first at line 20); remove one"],
    "empty-chapter": ["20: error: empty chapter '芯片与产业发展': add topics ('### …')"],
    "empty-item": ["19: error: empty item '意义': add its text or sub-points"],
    "empty-topic": ["20: error: empty topic '技术突破与应用': add its items or text"],
    "invalid-yaml": ["7: error: invalid YAML in front matter: expected ',' or ']', but got ':'"],
    "later-year": ["19: warning: mentions 2023, later than the report's year 2020; check that it "
                   "belongs in this report, or acknowledge it: <!-- aireport: allow year 2023 -->"],
    "markdown-image": [
        "20: warning: a Markdown image (![…](…)) will be dropped from every edition; list it as a link "
        "('- [图片：…](URL)') or make it the cover",
        "23: warning: a Markdown image (![…](…)) will be dropped from every edition; list it as a link "
        "('- [图片：…](URL)') or make it the cover",
    ],
    "missing-fields": [
        "2: error: missing required key 'date' (the publication date, YYYY-MM-DD)",
        "2: error: missing required key 'summary'",
        "2: error: missing required key 'title'",
    ],
    "no-front-matter": ["1: error: the report must start with YAML front matter between '---' lines"],
    "not-utf8": ["6: error: is not valid UTF-8 (byte 0xb6); save the file as UTF-8"],
    "rank-title": ["22: error: a ranked entry's title must start with 'No.N' (such as 'No.10 没有名次')"],
    "ranks": [
        "20: error: ranked list '十大技术进展' is missing No.2; ranks run from No.3 down to No.1",
        "26: error: rank No.3 is used twice (first at line 22); each rank must be used once",
    ],
    "raw-html": [
        "19: warning: raw HTML <script> will be dropped from every edition; write it in Markdown",
        "20: warning: unbalanced HTML: <sup> is never closed",
    ],
    "text-before-section": ["14: error: text before the first section; start the body with a '## ' heading"],
    "unknown-key": ["3: error: unknown key 'titel' in front matter; did you mean 'title'?"],
    "unknown-source": ["14: error: source=article names no source in the front matter (known: deck)"],
    "year-mismatch": ["2: error: year 2019 does not match the file name 2020.md; rename the file to "
                      "2019.md or fix the year"],
}


def test_every_bad_fixture_has_expectations():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_report_gives_exact_lines(case, tmp_path, monkeypatch, cli):
    (tmp_path / "issues").mkdir()
    shutil.copytree(ROOT / "templates", tmp_path / "templates")  # the placeholders come from the template
    shutil.copy(BAD / case / "2020.md", tmp_path / "issues" / "2020.md")
    monkeypatch.chdir(tmp_path)
    result = cli("check", "2020")
    expected = [f"issues/2020.md:{line}" for line in EXPECTED[case]]
    assert result.stdout.splitlines() == expected
    errors = sum(": error: " in line for line in expected)
    assert result.exit_code == (1 if errors else 0)
    assert "Traceback" not in result.output


def test_warnings_fail_only_with_strict(tmp_path, monkeypatch, cli):
    (tmp_path / "issues").mkdir()
    shutil.copy(BAD / "later-year" / "2020.md", tmp_path / "issues" / "2020.md")
    monkeypatch.chdir(tmp_path)
    assert cli("check").exit_code == 0
    strict = cli("check", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr == "checked 1 report: 0 errors, 1 warning\n"


def test_good_fixture_has_no_errors_and_only_house_style_warnings(project, cli):
    result = cli("check", "--format", "json")
    problems = json.loads(result.stdout)
    assert result.exit_code == 0 and problems
    assert {p["level"] for p in problems} == {"warning"}
    assert {p["rule"] for p in problems} <= HOUSE_STYLE


def test_fix_puts_the_fixture_in_house_style_and_touches_nothing_else(project, cli):
    report = project / "issues" / "2020.md"
    before = report.read_text(encoding="utf-8")
    warned = {p["line"] for p in json.loads(cli("check", "--format", "json").stdout)}
    result = cli("check", "--fix")
    assert result.stderr.splitlines()[0] == f"issues/2020.md: fixed {len(warned)} lines"
    assert (result.exit_code, result.stdout) == (0, "")
    after = report.read_text(encoding="utf-8")
    assert cli("check", "--strict").stderr == "checked 1 report: 0 errors, 0 warnings\n"
    old_lines, new_lines = before.split("\n"), after.split("\n")
    assert len(old_lines) == len(new_lines)
    changed = {n for n, (a, b) in enumerate(zip(old_lines, new_lines), 1) if a != b}
    assert changed == warned
    for old, new in zip(old_lines, new_lines):
        assert re.findall(r"https?://\S+?(?=[)>\s]|$)", old) == re.findall(r"https?://\S+?(?=[)>\s]|$)", new)
        assert old.split(":")[0] == new.split(":")[0] or not re.match(r"^\s*[\w-]+:", old)  # keys stay
    assert "1750 亿" in after and "1750亿" not in after and "1.5～3" in after
    assert cli("check", "--fix").stderr.splitlines()[0] == "issues/2020.md: fixed 0 lines"


def test_fix_leaves_urls_code_comments_and_keys_alone(tmp_path, monkeypatch, cli):
    (tmp_path / "issues").mkdir()
    text = (BAD / "spacing" / "2020.md").read_text(encoding="utf-8")
    text = text.replace("summary: 一段摘要。", "summary: >-\n  这一年GPT-3发布,参数有\n  1750亿个")
    (tmp_path / "issues" / "2020.md").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cli("check", "--fix")
    fixed = (tmp_path / "issues" / "2020.md").read_text(encoding="utf-8")
    assert "这一年 GPT-3 发布，参数有\n  1750 亿个" in fixed
    assert "## AI 芯片与产业" in fixed and "OpenAI 发布了" in fixed
    assert "(https://www.youtube.com/watch?v=AI芯片)" in fixed
    assert "`AI芯片` 与 <https://example.com/AI芯片> 不受检查。<!-- 注释AI芯片 -->" in fixed
    assert "url: https://github.com/chenzomi12/AIFoundation" in fixed and "title: 2020 AI 大事件" in fixed


def test_fix_keeps_the_file_s_line_ends_and_byte_order_mark(tmp_path, monkeypatch, cli):
    (tmp_path / "issues").mkdir()
    text = (BAD / "spacing" / "2020.md").read_text(encoding="utf-8")
    path = tmp_path / "issues" / "2020.md"
    path.write_bytes(("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    assert cli("check", "--fix").stderr.splitlines()[0] == "issues/2020.md: fixed 2 lines"
    data = path.read_bytes().decode("utf-8")
    assert data.startswith("\ufeff---\r\n") and "\n" not in data.replace("\r\n", "")
    assert "## AI 芯片与产业\r\n" in data


def test_json_lists_every_problem_with_its_rule(tmp_path, monkeypatch, cli):
    (tmp_path / "issues").mkdir()
    monkeypatch.chdir(tmp_path)
    for case in sorted(EXPECTED):
        shutil.copy(BAD / case / "2020.md", tmp_path / "issues" / "2020.md")
        text = cli("check", "2020")
        result = cli("check", "2020", "--format", "json")
        problems = json.loads(result.stdout)
        assert result.exit_code == text.exit_code
        assert [f"{p['file']}:{p['line']}: {p['level']}: {p['message']}" for p in problems] == text.stdout.splitlines()
        assert all(set(p) == {"file", "line", "level", "rule", "message"} for p in problems)
        assert all(p["rule"] in RULES for p in problems), case
    rules = {p["rule"] for case in EXPECTED for p in _json_of(BAD / case / "2020.md", tmp_path, cli)}
    assert HOUSE_STYLE | {"date", "other-year", "yaml", "structure", "url"} <= rules


def _json_of(path, root, cli):
    shutil.copy(path, root / "issues" / "2020.md")
    return json.loads(cli("check", "2020", "--format", "json").stdout)


def test_an_untouched_new_report_fails_on_every_placeholder(project, cli):
    from aireport.report.placeholders import template_placeholders

    assert cli("new", "2023").exit_code == 0
    result = cli("check", "2023", "--format", "json")
    assert result.exit_code == 1
    found = [p for p in json.loads(result.stdout) if p["rule"] == "placeholder"]
    named = {re.match(r'placeholder text "(.+)" left from the template; replace it$', p["message"]).group(1)
             for p in found}
    assert named == set(template_placeholders(project / "templates"))
    assert {"作者姓名", "一句话副标题", "为读者写几句导语。", "https://example.org/source", "watch?v=VIDEO"} <= named
    assert all(p["level"] == "error" for p in found)
    text = (project / "issues" / "2023.md").read_text(encoding="utf-8")
    assert "placeholder" not in text and "{{" not in text and text.startswith("---\nyear: 2023\n")


def test_an_acknowledged_year_is_silent_and_left_out_of_every_edition(project, cli):
    report = project / "issues" / "2020.md"
    text = report.read_text(encoding="utf-8")
    line = "- **备注**：该奖设立于 1987 年，2019 年首次颁给华人团队。<!-- aireport: allow year 1987, 2019 -->"
    marker = next(l for l in text.split("\n") if l.startswith("- **"))
    report.write_text(text.replace(marker, marker + "\n" + line, 1), encoding="utf-8")
    result = cli("check", "--fix")
    assert "mentions" not in result.stdout and result.exit_code == 0
    assert cli("publish", "2020", "--only", "web,email,feed").exit_code == 0
    for built in ("dist/2020/index.html", "dist/2020/email.html", "dist/2020/email.txt", "dist/atom.xml",
                  "dist/rss.xml"):
        content = (project / built).read_text(encoding="utf-8")
        assert "该奖设立于 1987 年" in content or built.endswith(".xml"), built
        assert "aireport:" not in content and "allow year" not in content, built


def test_outside_a_project_every_command_says_how_to_start_one(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    for command in (["check"], ["publish", "2020"], ["new", "2024"], ["serve"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, command
        assert result.stderr == (f"Error: {tmp_path}: not an aireport project (no issues/ folder, nor a pyproject.toml "
                                 "with [tool.aireport], here or in a folder above); start one with "
                                 "`mkdir issues && aireport new YEAR`\n"), command


def test_check_reports_several_files_and_sums_up(project, cli):
    shutil.copy(BAD / "empty-item" / "2020.md", project / "issues" / "2021.md")
    result = cli("check")
    assert result.exit_code == 1
    assert "issues/2021.md:2: error: year 2020 does not match the file name 2021.md" in result.stdout
    assert result.stderr == "checked 2 reports: 2 errors, 13 warnings\n"  # the fixture is not in house style


def test_check_of_missing_year_is_one_clear_line(project, cli):
    result = cli("check", "1999")
    assert result.exit_code == 1
    assert result.stderr == "Error: issues/1999.md: no report for 1999; create it with `aireport new 1999`\n"
