"""Hostile or careless input through settings, reports, the command line and the preview server:
one line naming the file and line, never a traceback, an injected header, or a blow-up."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import datetime, timezone
from email import policy
from pathlib import Path

import pytest

from aireport.config import load_config
from aireport.editions.email.message import render_email
from aireport.editions.email.mime import Envelope, UnsafeHeader, build_message
from aireport.editions.site import Site
from aireport.editions.templating import make_environment
from aireport.errors import BuildError
from aireport.report.loader import load_report

from conftest import FIXTURE

REPORT = "issues/2020.md"


def one_line(result) -> str:
    """The command's output, which must be one line at most and no traceback."""
    output = result.output.strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) <= 1, output
    return output


def edit_report(root: Path, old: str, new: str) -> None:
    path = root / REPORT
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_setting(root: Path, line: str) -> None:
    (root / "pyproject.toml").write_text(f"[tool.aireport]\n{line}\n", encoding="utf-8")


# --- e-mail headers --------------------------------------------------------------------------

INJECTIONS = ["https://x.example.org/\r\nBcc: victim@evil.example", "https://x.example.org/\nBcc: v@e.example",
              "https://x.example.org/\tx", "https://x.example.org/\x00", "https://x.example.org/\x85",
              "https://x.example.org/\u2028Bcc: v@e.example", "https://x.example.org/\u202e"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_site_url_with_a_control_character_is_refused_on_the_command_line(project, cli, value):
    result = cli("publish", "2020", "--only", "email", "--site-url", value)
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith("Error: --site-url ") and "control character" in line
    assert not (project / "dist" / "2020" / "email.eml").exists()


@pytest.mark.parametrize("key", ["site_url", "unsubscribe_url", "email_from", "contact", "title", "publisher",
                                 "description", "output", "font_dir", "paper"])
@pytest.mark.parametrize("char", ["\r", "\n", "\t", "\x1b", "\x7f", "\x9b", "\u2029"])
def test_every_setting_refuses_control_characters_with_its_line(project, cli, key, char):
    escaped = f"\\u{ord(char):04x}"
    set_setting(project, f'{key} = "https://a.example.org/{escaped}Bcc: v@evil.example"')
    result = cli("check", "2020")
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(f"Error: pyproject.toml:2: [tool.aireport] {key}: "), line
    assert "control character" in line


@pytest.mark.parametrize("setting, message", [
    ('site_url = "https://example.org:99999"', "site_url: must be an absolute http(s) URL"),
    ('site_url = "https://example.org]/a"', "site_url: must be an absolute http(s) URL"),
    ('unsubscribe_url = "https://example.org/<x>"', "unsubscribe_url: must be an absolute http(s) URL"),
    ('title = ["a list"]', "title: must be a string"),
    ('feed_limit = "50"', "feed_limit: must be a whole number"),
])
def test_settings_of_the_wrong_form_are_one_line(project, cli, setting, message):
    set_setting(project, setting)
    result = cli("check", "2020")
    assert result.exit_code == 1 and message in one_line(result)


def test_settings_not_in_utf8_or_not_a_table_are_one_line(project, cli):
    (project / "pyproject.toml").write_bytes(b'[tool.aireport]\ntitle = "\xff"\n')
    result = cli("check", "2020")
    assert result.exit_code == 1 and "pyproject.toml:2: is not valid UTF-8" in one_line(result)
    (project / "pyproject.toml").write_text('[tool]\naireport = "x"\n', encoding="utf-8")
    result = cli("check", "2020")
    assert result.exit_code == 1 and "must be a table" in one_line(result)


def test_the_message_refuses_unsafe_header_values_whatever_checked_them(tmp_path):
    good = Envelope(subject="标题", sender="a@example.org", date=datetime(2020, 12, 31, tzinfo=timezone.utc),
                    message_id="aireport-2020@example.org", unsubscribe=("https://example.org/u",),
                    list_id="AI <example.org>", language="zh-CN")
    assert b"Subject:" in build_message(good, "t", "<p>h</p>")
    for field, value in [("subject", "a\r\nBcc: v@evil.example"), ("sender", "a@example.org\nBcc: x@y.z"),
                         ("list_id", "x\x00"), ("message_id", "a>\r\nBcc: x@y.z"),
                         ("unsubscribe", ("https://example.org/u>, <https://evil.example",)),
                         ("unsubscribe", ("https://example.org/\r\nBcc: v@evil.example",))]:
        with pytest.raises(UnsafeHeader):
            build_message(replace(good, **{field: value}), "t", "<p>h</p>")


def test_an_unchecked_setting_still_cannot_add_a_header(project):
    config = replace(load_config(project), site_url="https://x.example.org/\r\nBcc: victim@evil.example")
    report = load_report(project / REPORT)
    with pytest.raises(BuildError, match="List-Unsubscribe|Message-ID|List-Id"):
        render_email(report, Site(config, make_environment(config.templates_dir), (report,)))
