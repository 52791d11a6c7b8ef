"""The command line as a user meets it: help, exact error lines, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest

from aireport.cli import main
from conftest import ROOT


def all_commands():
    return [(name, command) for name, command in main.commands.items()]


def test_every_command_and_option_has_help():
    assert main.help
    for name, command in all_commands():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts}"


@pytest.mark.parametrize("args, message", [
    (["publish", "../../etc/passwd"], "Error: issues: '../../etc/passwd' is not a year; give a four-digit year from 1900 to 2999 such as 2020\n"),
    (["publish", "1999"], "Error: issues/1999.md: no report for 1999; create it with `aireport new 1999`\n"),
    (["publish", "2020", "--all"], "Error: give YEARs or --all, not both; --all publishes every report\n"),
    (["publish", "2020", "--only", "web,foo"], "Error: --only web,foo: unknown edition foo; choose from web,email,pdf,archive,feed,jsonfeed,search,sitemap\n"),
    (["publish", "2020", "--out", "issues"], "Error: --out issues: would overwrite the project's own files; choose a separate folder such as dist/\n"),
    (["publish", "2020", "--out", "."], "Error: --out .: would overwrite the project's own files; choose a separate folder such as dist/\n"),
    (["publish", "2020", "--out", "templates/x"], "Error: --out templates/x: would overwrite the project's own files; choose a separate folder such as dist/\n"),
    (["publish", "2020", "--site-url", "ftp://x"], "Error: --site-url ftp://x: must be an absolute http(s) URL such as https://example.org\n"),
    (["new", "2020"], "Error: issues/2020.md: already exists; edit it, or remove it to start over\n"),
    (["new", "20x"], "Error: issues: '20x' is not a year; give a four-digit year from 1900 to 2999 such as 2020\n"),
])
def test_user_mistakes_give_one_clear_line(project, cli, args, message):
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert not (project / "dist").exists() or not any((project / "dist").rglob("*.html"))


def test_publishing_a_draft_is_refused_and_allowed_with_drafts(project, cli):
    path = project / "issues" / "2020.md"
    path.write_text(path.read_text(encoding="utf-8").replace("draft: false", "draft: true"), encoding="utf-8")
    refused = cli("publish", "2020", "--only", "web")
    assert refused.stderr == ("Error: issues/2020.md: 2020 is a draft (draft: true); set draft: false to "
                              "publish it, or pass --drafts to preview it\n")
    assert cli("publish", "2020", "--only", "web", "--drafts", "-q").exit_code == 0
    assert (project / "dist" / "2020" / "index.html").is_file()


def test_broken_report_on_publish_names_the_line_and_points_to_check(project, cli):
    path = project / "issues" / "2020.md"
    text = path.read_text(encoding="utf-8").replace("### AI 训练芯片\n", "### AI 训练芯片\n\n- **空**：\n", 1)
    path.write_text(text, encoding="utf-8")
    result = cli("publish", "2020")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: issues/2020.md:")
    assert ": empty item '空': add its text or sub-points\n" in result.stderr


def test_new_scaffolds_a_draft_that_loads_and_that_check_asks_to_fill_in(project, cli):
    result = cli("new", "2023")
    assert result.stderr == "created issues/2023.md (draft: true); check it with `aireport check 2023`\n"
    checked = cli("check", "2023", "--format", "json")
    assert checked.exit_code == 1
    assert {p["rule"] for p in json.loads(checked.stdout)} == {"placeholder"}  # nothing else is wrong with it
    assert "draft: true" in (project / "issues" / "2023.md").read_text(encoding="utf-8")


def test_publish_prints_progress_and_a_summary_unless_quiet(project, cli):
    result = cli("publish", "2020", "--only", "web,archive")
    lines = result.stderr.splitlines()
    assert lines[0].split()[:2] == ["web", "dist/2020/index.html"]
    # the page, its stylesheet, script, timeline and card, the archive, its card, the subscribe page, three favicons
    assert lines[-1].startswith("published 2020 into dist/: 11 files written, 0 editions up to date, in ")
    again = cli("publish", "2020", "--only", "web,archive").stderr
    assert again.startswith("published nothing new into dist/: 0 files written, 2 editions up to date, in ")
    assert cli("publish", "2020", "--only", "web,archive", "-q").stderr == ""


def test_python_dash_m_and_version_work():
    env = dict(os.environ, PYTHONWARNINGS="error")
    result = subprocess.run([sys.executable, "-m", "aireport", "--version"], capture_output=True,
                            text=True, cwd=ROOT, env=env, check=True)
    assert result.stdout == "aireport, version 0.1.0\n"


def test_publish_refuses_what_check_calls_an_error_and_shows_warnings(project, cli):
    path = project / "issues" / "2020.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("## 总结 {.summary}\n", "## 总结 {.summary}\n\n见 [这里](javascript:alert(1))。\n"),
                    encoding="utf-8")
    refused = cli("publish", "2020", "--only", "web")
    assert refused.exit_code == 1
    assert refused.stderr.endswith(": URL 'javascript:alert(1)' is not an http(s) link; only web links are allowed\n")
    path.write_text(original.replace("## 总结 {.summary}\n", "## 总结 {.summary}\n\n延续到 2023 年。\n"), encoding="utf-8")
    warned = cli("publish", "2020", "--only", "web")
    assert warned.exit_code == 0
    assert warned.stderr.splitlines()[0].endswith(
        ": warning: mentions 2023, later than the report's year 2020; check that it belongs in this report, "
        "or acknowledge it: <!-- aireport: allow year 2023 -->")


def test_publish_warns_once_when_site_url_is_still_the_example(project, cli):
    example = cli("publish", "2020", "--only", "web,archive,sitemap", "--site-url", "https://aireport.example.org/")
    warnings = [line for line in example.stderr.splitlines() if "site_url is still the example" in line]
    assert warnings == ["pyproject.toml: site_url is still the example https://aireport.example.org, so links, "
                        "feeds and QR codes point nowhere; set site_url in [tool.aireport] or pass --site-url"]
    assert example.exit_code == 0
    assert "site_url" not in cli("publish", "2020", "--only", "web", "--force").stderr  # the fixture's own address
    quiet = cli("publish", "2020", "--only", "web", "--site-url", "https://aireport.example.org", "-q")
    assert quiet.stderr == ""
