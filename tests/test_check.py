"""`aireport check` over good and bad reports: exact lines, exit codes, summaries."""

from __future__ import annotations

import shutil

import pytest

from conftest import DATA

BAD = DATA / "bad"

EXPECTED = {
    "bad-date": ["4: error: 'date' must be a date such as 2021-01-08, not '31.12.2020'"],
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
                   "belongs in this report"],
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


def test_good_fixture_is_clean(project, cli):
    result = cli("check")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "checked 1 report: 0 errors, 0 warnings\n")


def test_check_reports_several_files_and_sums_up(project, cli):
    shutil.copy(BAD / "empty-item" / "2020.md", project / "issues" / "2021.md")
    result = cli("check")
    assert result.exit_code == 1
    assert "issues/2021.md:2: error: year 2020 does not match the file name 2021.md" in result.stdout
    assert result.stderr == "checked 2 reports: 2 errors, 0 warnings\n"


def test_check_of_missing_year_is_one_clear_line(project, cli):
    result = cli("check", "1999")
    assert result.exit_code == 1
    assert result.stderr == "Error: issues/1999.md: no report for 1999; create it with `aireport new 1999`\n"
