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


# --- reports: YAML, dates, characters, links, nesting ------------------------------------------

FRONT = ("---\nyear: 2020\ntitle: 标题\ndate: 2020-12-31\nauthors: [ZOMI]\nsummary: 摘要。\n"
         "sources:\n  - id: deck\n    title: 大事件\n---\n\n## 章\n\n### 题\n\n")
BODY_LINE = FRONT.count("\n") + 1  # the line after FRONT
LAUGHS = "".join(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9 if previous else ['"lol"'] * 9) + "]\n"
                 for previous, name in zip([None, *"abcdefgh"], "abcdefghi"))


def problems_of(tmp_path: Path, text: str) -> list[tuple[int, str, str]]:
    from aireport.report.loader import inspect_report

    path = tmp_path / "2020.md"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return [(p.line, p.level, p.message) for p in inspect_report(path)[1]]


def errors_of(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    return [(line, message) for line, level, message in problems_of(tmp_path, text) if level == "error"]


def bounded(function, seconds: float, megabytes: float):
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < seconds
    assert peak < megabytes * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB"
    return result


@pytest.mark.parametrize("yaml_text", [
    LAUGHS,  # the classic billion laughs
    "a: &a [" + ",".join(["x"] * 300) + "]\n" + "".join(  # 3.5 KB of nested aliases
        f"{n}: &{n} [" + ",".join([f"*{p}"] * 300) + "]\n" for p, n in zip("abc", "bcd")),
    "a: &a {x: 1}\nb:\n  <<: *a\n",
])
def test_yaml_aliases_are_refused_at_their_line_without_expanding(tmp_path, yaml_text):
    assert 300 < len(yaml_text.encode()) < 4000 or "<<" in yaml_text
    errors = bounded(lambda: errors_of(tmp_path, "---\n" + yaml_text + "---\n## 章\n"), seconds=2, megabytes=30)
    assert len(errors) == 1 and "aliases" in errors[0][1] and errors[0][0] in (3, 4)


@pytest.mark.parametrize("value", ["2020-02-30", "2020-13-01", "2020-12-31 25:00", "2020-12-31T10:00:00+24:00",
                                   "2020-12-31 10:00:00 +99:00", "0000-01-01"])
@pytest.mark.parametrize("key", ["date", "updated"])
def test_impossible_dates_are_errors_at_their_line(tmp_path, cli, key, value):
    text = FRONT.replace("date: 2020-12-31\n", f"date: 2020-12-31\nupdated: 2020-12-31\n").replace(
        f"{key}: 2020-12-31\n", f"{key}: {value}\n", 1) + "- 点\n"
    line = text.split("\n").index(f"{key}: {value}") + 1
    assert (line, f"'{key}' must be a date such as 2021-01-08, not '{value}'") in errors_of(tmp_path, text)


@pytest.mark.parametrize("field", ['title: "标题\\n\\nBcc: v@evil.example"', "title: |\n  两行\n\n  标题",
                                   'subtitle: "副\\r\\n标题"', 'subtitle: "\\e[2J"', 'title: "标\\u202e题"',
                                   'authors: ["ZOMI\\x07"]', 'authors: [{name: "a\\u0085b"}]',
                                   'title: "\\ud800"', 'keywords: ["a\\x00"]', 'summary: "摘\\x1b要"'])
def test_control_characters_in_the_front_matter_are_errors_at_their_line(tmp_path, field):
    key = field.split(":")[0]
    old = next((line for line in FRONT.split("\n") if line.startswith(key + ":")), None)
    text = FRONT.replace(old, field) if old else FRONT.replace("title: 标题\n", f"title: 标题\n{field}\n")
    line = text.split("\n").index(field.split("\n")[0]) + 1
    errors = errors_of(tmp_path, text + "- 点\n")
    assert [message for number, message in errors if number == line and " holds " in message], errors


@pytest.mark.parametrize("field", ['title: "标题\\nBcc: v@evil.example"', "title: |\n  两行\n  标题",
                                   "subtitle: >\n  副\n  标题"])
def test_line_breaks_in_one_line_fields_are_joined_before_any_header_sees_them(tmp_path, field):
    from aireport.report.loader import load_report

    key = field.split(":")[0]
    old = next((line for line in FRONT.split("\n") if line.startswith(key + ":")), None)
    text = FRONT.replace(old, field) if old else FRONT.replace("title: 标题\n", f"title: 标题\n{field}\n")
    path = tmp_path / "2020.md"
    path.write_text(text + "- 点\n", encoding="utf-8")
    report = load_report(path)
    for value in (report.title, report.subtitle or "", *(person.name for person in report.authors)):
        assert "\n" not in value and "\r" not in value, value


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b", "\ufffe", "\U0001ffff",
                                  "\ufdd0"])
def test_control_characters_in_the_body_are_errors_at_their_line(tmp_path, char):
    errors = errors_of(tmp_path, FRONT + "- 点\n- 第二" + char + "点\n")
    assert errors == [(BODY_LINE + 1, f"holds the control character U+{ord(char):04X}, which the feeds and "
                                      "the e-mail cannot carry; remove it")]


LINK_FORMS = ["- 点 [r]\n  [r]: //evil.example/x\n", "点 [r]\n[r]: //evil.example/x\n",
              "- <a href='/etc/passwd'>点</a>\n", "- <a href=\"&#x2F;&#x2F;evil.example\">点</a>\n",
              "- [点](../../etc/passwd)\n", "- [点](<//evil.example/a>)\n", "- 点\n\n  [r]: ./x\n  看 [r]\n",
              "- [点](https://example.org]/a)\n", "- [点](https://example.org:99999/)\n",
              "- [点](javascript:alert(1))\n"]


@pytest.mark.parametrize("body", LINK_FORMS)
def test_links_that_are_not_absolute_web_links_are_errors_at_their_line(tmp_path, body):
    errors = errors_of(tmp_path, FRONT + body)
    assert errors and all(line == BODY_LINE for line, _ in errors), errors
    assert all("URL" in message for _, message in errors)


def test_a_link_urlsplit_rejects_is_an_error_not_a_traceback(project, cli):
    edit_report(project, "## 算法与模型发展", "## 算法与模型发展\n\n### 坏链接\n\n- [链接](https://example.org]/a)\n")
    for command in (("check", "2020"), ("publish", "2020", "--only", "web,email")):
        result = cli(*command)
        assert result.exit_code == 1 and "malformed URL 'https://example.org]/a'" in result.output
        assert "Traceback" not in result.output


def test_deep_nesting_and_many_brackets_are_capped_with_an_error(tmp_path):
    nested = "- " + "<b>" * 120 + "点" + "</b>" * 120 + "\n"
    quotes = ">" * 200 + " 点\n"
    brackets = "- " + "[" * 5000 + "\n"
    deepening = "".join("> " * depth + "点\n" for depth in range(300))  # Markdown parses each level again
    for body, expected in ((nested, "nested 120 levels deep"), (quotes, "levels deep"),
                           (deepening, "quotes ('>') nested 299 levels deep"),
                           (brackets, "5000 '[' in one paragraph or item")):
        errors = bounded(lambda: errors_of(tmp_path, FRONT + body), seconds=3, megabytes=200)
        assert any(line == BODY_LINE and expected in message for line, message in errors), errors


def test_a_line_of_two_megabytes_is_refused_quickly(tmp_path):
    errors = bounded(lambda: errors_of(tmp_path, FRONT + "- " + "a" * 2_000_000 + "\n"), seconds=3, megabytes=200)
    assert errors == [(BODY_LINE, "line of 2000002 characters; break it into lines of at most 10000 "
                                  "(a line break inside a paragraph changes nothing)")]


@pytest.mark.slow
def test_the_booklet_never_links_to_anything_but_the_web_or_itself(tmp_path):
    from aireport.editions.booklet.typesetting import Booklet, typeset

    html = ('<p id="top"><a href="x/y.html">相对</a> <a href="//evil.example/s">协议相对</a> '
            '<a href="file:///etc/passwd">文件</a> <a href="https://example.org/ok">网</a> '
            '<a href="#top">内</a> <a href="mailto:a@example.org">信</a></p>')
    pdf = typeset(Booklet(html=html, base_url=tmp_path.as_uri() + "/", folders=(tmp_path,), memory={},
                          source=tmp_path / "2020.md", output="2020/aireport-2020.pdf"))
    assert pdf_uris(pdf) == ["https://example.org/ok", "mailto:a@example.org"]


def pdf_uris(pdf: bytes) -> list[str]:
    """The URI of every link annotation (the PDF's objects are compressed: a grep finds none)."""
    import io

    from pypdf import PdfReader

    return sorted(str(annotation.get_object()["/A"]["/URI"]) for page in PdfReader(io.BytesIO(pdf)).pages
                  for annotation in page.get("/Annots") or [] if "/A" in annotation.get_object())


# --- aireport serve ---------------------------------------------------------------------------

def test_serve_keeps_serving_whatever_a_rebuild_raises(tmp_path, monkeypatch):
    from aireport.preview import serve as serving
    from aireport.preview.serve import Preview, ServeOptions
    from conftest import make_project

    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    said: list[str] = []
    preview = Preview(root, str(tmp_path / "preview"), "http://127.0.0.1:8000", ServeOptions(only=("web",)),
                      said.append)
    preview.rebuild()
    page = (tmp_path / "preview" / "2020" / "index.html").read_bytes()
    for failure in (RecursionError("maximum recursion depth exceeded"), ValueError("Invalid IPv6 URL"),
                    MemoryError(), UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
                    OSError(28, "No space left on device")):
        def broken(*args, **kwargs):
            raise failure

        monkeypatch.setattr(serving, "build", broken)
        preview.rebuild()
        message = said[-1]
        assert message.startswith(f"Error: unexpected {type(failure).__name__}") and "\n" not in message
        assert message.endswith("still serving the last good build")
        assert len(preview.state(None)["errors"]) == 1
    monkeypatch.undo()
    monkeypatch.chdir(root)
    edit_report(root, "date: 2020-12-31", "date: 2020-02-30")  # an ordinary mistake, mid-edit
    preview.rebuild()
    assert said[-1].startswith("Error: issues/2020.md:") and "2020-02-30" in said[-1]
    assert (tmp_path / "preview" / "2020" / "index.html").read_bytes() == page


@pytest.fixture
def preview_server(tmp_path):
    import threading

    from aireport.preview.http import PreviewServer

    class Builder:
        version = attempt = 1

        def state(self, since):
            return {"version": 1, "attempt": 1, "errors": [], "since": since}

        def prepare(self, path):
            return None

    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / "index.html").write_text("<body>页</body>", encoding="utf-8")
    server = PreviewServer(0)
    server.folder, server.preview = tmp_path, Builder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def ask(server, path: str, host: str | None = "127.0.0.1:{port}") -> tuple[int, bytes]:
    import http.client

    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host.format(port=port))
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:{port}", 200), ("localhost:{port}", 200), ("LOCALHOST:{port}", 200), ("[::1]:{port}", 200),
    ("evil.example:{port}", 421), ("127.0.0.1.evil.example:{port}", 421), ("127.0.0.1:1", 421),
    ("127.0.0.1", 421), ("", 421), (None, 421), ("127.0.0.2:{port}", 200), ("10.0.0.1:{port}", 421),
    ("::1:{port}", 421), ("[127.0.0.1]:{port}", 421), ("localhost.:{port}", 421),
])
def test_the_preview_answers_only_to_this_machine_by_name(preview_server, host, status):
    assert ask(preview_server, "/2020/", host)[0] == status


@pytest.mark.parametrize("path", ["/" + "a" * 5000, "/2020/" + "%00", "/%00/x", "/" + "a/" * 1000,
                                  "/" + "%ff" * 100, "/" + "b" * 300 + "/index.html"])
def test_the_preview_answers_odd_paths_without_an_error(preview_server, path, capsys):
    status, _ = ask(preview_server, path)
    assert status in (404, 414)
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("query", ["since=--5", "since=%C2%B2", "since=%D9%A3", "since=" + "9" * 5000, "since=1&" * 50,
                                   "since=%ff%fe", "since=-", "a=%zz", ";;;;"])
def test_the_reload_endpoint_reads_any_query(preview_server, query, capsys):
    import json

    status, body = ask(preview_server, "/__aireport__/version?" + query)
    assert status in (200, 404, 414)
    if status == 200:
        assert json.loads(body)["since"] is None or isinstance(json.loads(body)["since"], int)
    assert "Traceback" not in capsys.readouterr().err


# --- years, files and folders -----------------------------------------------------------------

@pytest.mark.parametrize("year", ["２０２０", "٢٠٢٠", "0000", "1899", "3000", "2020\n", "²⁰²⁰", "+2020", " 2020"])
@pytest.mark.parametrize("command", ["new", "check", "publish", "serve"])
def test_only_four_ascii_digits_from_1900_to_2999_are_a_year(project, cli, command, year):
    from aireport.report.years import parse_year

    with pytest.raises(ValueError):
        parse_year(year)
    result = cli(command, year)
    assert result.exit_code == 1
    assert "is not a year; give a four-digit year from 1900 to 2999" in one_line(result)
    assert sorted(p.name for p in (project / "issues").iterdir()) == ["2020.md"]


def test_a_fifo_or_a_folder_in_issues_is_an_error_not_a_hang(project, cli):
    import os

    os.mkfifo(project / "issues" / "2021.md")
    (project / "issues" / "2022.md").mkdir()
    result = bounded(lambda: cli("check"), seconds=20, megabytes=500)
    assert result.exit_code == 1
    assert "issues/2021.md:1: error: cannot be read: not a regular file" in result.output
    assert "issues/2022.md:1: error: is a folder, not a report file" in result.output
    result = cli("check", "2021")
    assert result.exit_code == 1 and "not a regular file" in result.output


def png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + b"\0" * ((width + 7) // 8)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * min(height, 64))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("name, data, message", [
    ("cover.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "is an SVG drawing"),
    ("cover.png", png_header(50_000, 50_000), "is 50000 x 50000 pixels, more than 40 million"),
    ("cover.jpg", b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03" + b"\0" * 32,
     "is 65535 x 65535 pixels, more than 40 million"),
    ("cover.png", b"GIF89a" + b"\0" * 20, "is not an image aireport can read"),
    ("cover.png", png_header(0, 10), "has no pixels"),
])
def test_a_cover_that_cannot_be_used_is_an_error_at_its_line(project, cli, name, data, message):
    (project / "issues" / name).write_bytes(data)
    edit_report(project, "draft: false", f"cover:\n  image: {name}\n  alt: 封面\ndraft: false")
    result = bounded(lambda: cli("check", "2020"), seconds=10, megabytes=100)
    line = next(n for n, text in enumerate((project / REPORT).read_text().split("\n"), 1) if "  image: " + name in text)
    assert result.exit_code == 1
    assert f"issues/2020.md:{line}: error: the cover image '{name}' {message}" in result.output


def test_a_small_png_cover_is_accepted(project, cli):
    (project / "issues" / "cover.png").write_bytes(png_header(1200, 800))
    edit_report(project, "draft: false", "cover:\n  image: cover.png\n  alt: 封面\ndraft: false")
    assert cli("check", "2020").exit_code == 0


@pytest.mark.slow
def test_a_damaged_font_in_font_dir_is_one_line(project, cli):
    import subprocess

    found = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True).stdout.split(":")[0]
    if not found:
        pytest.skip("no Chinese font installed")
    fonts = project / "fonts"
    fonts.mkdir()
    data = bytearray(Path(found).read_bytes())
    for offset in range(4096, len(data) - 4096, len(data) // 50):  # damage the outlines, keep the directory
        data[offset:offset + 2048] = bytes(range(256)) * 8
    (fonts / ("damaged" + Path(found).suffix)).write_bytes(bytes(data))
    (fonts / "junk.ttf").write_bytes(b"\0\1\0\0" + bytes(range(200)))
    (project / "pyproject.toml").write_text((FIXTURE / "pyproject.toml").read_text(encoding="utf-8")
                                            + 'font_dir = "fonts"\n', encoding="utf-8")
    result = cli("publish", "2020", "--only", "pdf", "-q")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "damaged" in result.output and all(line.startswith("Error: ") for line in result.output.splitlines())


NOBODY = 65534


@pytest.fixture
def outside_tmp():
    """A folder the unprivileged user can reach (pytest's own are root's alone)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="aireport-nobody-"))
    yield folder
    for path in (folder, *folder.rglob("*")):
        if not path.is_symlink():
            path.chmod(0o700)
    shutil.rmtree(folder)


def as_nobody(root: Path, *args: str):
    """`aireport ARGS` in `root` as an unprivileged user: root reads every file whatever its mode."""
    import os
    import shutil
    import subprocess
    import sys

    home = root.parent / "home"
    home.mkdir(exist_ok=True)
    for path in (root.parent, home, *root.rglob("*"), root):
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"), "SOURCE_DATE_EPOCH": "1609372800"}
    return subprocess.run([shutil.which("setpriv"), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           sys.executable, "-m", "aireport", *args],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0
                    or not __import__("shutil").which("setpriv"), reason="needs root and setpriv to drop to nobody")
@pytest.mark.parametrize("target, mode, args, message", [
    ("issues/2020.md", 0o000, ("check",), "issues/2020.md:1: error: cannot be read: Permission denied"),
    ("issues/2020.md", 0o000, ("publish", "2020", "--only", "web"), "issues/2020.md:1: cannot be read: Permission denied"),
    ("issues", 0o000, ("check",), "issues: cannot be read: Permission denied"),
    ("issues", 0o000, ("check", "2020"), "issues/2020.md: cannot be read: Permission denied"),
    ("issues", 0o500, ("new", "2021"), "issues: cannot write here: Permission denied"),
    ("pyproject.toml", 0o000, ("check",), "pyproject.toml: cannot be read: Permission denied"),
    ("templates", 0o000, ("publish", "2020", "--only", "web,email"), "templates: Permission denied"),
    ("templates/email/report.html", 0o000, ("publish", "2020", "--only", "email"),
     "templates/email/report.html: Permission denied"),
    ("issues/cover.png", 0o000, ("check", "2020"), "the cover image 'cover.png' cannot be read: Permission denied"),
    ("dist", 0o500, ("publish", "2020", "--only", "web"), "Permission denied"),
])
def test_unreadable_files_and_folders_are_one_line(outside_tmp, target, mode, args, message):
    from conftest import make_project

    root = make_project(outside_tmp / "project")
    (root / "issues" / "cover.png").write_bytes(png_header(16, 16))
    edit_report(root, "draft: false", "cover:\n  image: cover.png\n  alt: 封面\ndraft: false")
    (root / "dist").mkdir()
    result = as_nobody(root, "--version")
    if "No module named aireport" in result.stderr or "Permission denied" in result.stderr:
        pytest.skip(f"the unprivileged account cannot reach this checkout: {result.stderr.strip()[:120]}")
    assert result.returncode == 0, result.stderr  # the account can run aireport at all
    (root / target).chmod(mode)
    result = as_nobody(root, *args)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1 and "Traceback" not in output, output
    assert message in output and all(len(line) < 400 for line in output.splitlines())


# --- feeds and the terminal -------------------------------------------------------------------

def test_a_title_with_markup_is_text_in_every_feed_reader(project, cli):
    import html

    import feedparser

    title = "AI <img src=x onerror=alert(1)> & 年度 <b>回顾</b>"
    edit_report(project, "title: 2020 AI 年度回顾（样例）", f'title: "{title}"')
    assert cli("publish", "2020", "--only", "feed", "-q").exit_code == 0
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse((project / "dist" / name).read_bytes())
        assert not parsed.bozo
        entry = parsed.entries[0]
        # A reader that takes the title as HTML shows the characters, not an image or bold text.
        assert entry.title_detail.type == "text/html" and "<" not in entry.title, (name, entry.title)
        assert html.unescape(entry.title) == title


def test_check_escapes_what_a_report_would_make_a_terminal_do(project, cli):
    edit_report(project, "## 算法与模型发展", "## 算法与模型发展 {.x\x1b[2J\x1b]0;pwned\x07}")
    for command in (("check", "2020"), ("publish", "2020", "--only", "web"), ("publish", "--all", "--only", "web")):
        result = cli(*command)
        assert result.exit_code == 1
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "U+001B" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("unit", ["a", "<a:", "`", "a.", "a@", "a://", "<a ", "[", "> ", " "])
def test_check_reads_a_long_line_of_any_repetition_quickly(project, cli, unit):
    import time

    line = unit * (9_000 // len(unit))
    edit_report(project, "## 算法与模型发展", f"## 算法与模型发展\n\n### 长行\n\n- 字 {line} 字\n\n### 标题{line}x\n\n- 点\n")
    started = time.process_time()
    result = cli("check", "2020")
    assert time.process_time() - started < 5, unit
    assert "Traceback" not in result.output


def test_an_internationalised_site_url_reaches_the_headers_in_ascii(project, cli):
    result = cli("publish", "2020", "--only", "email", "-q", "--site-url", "https://例子.测试/路径")
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes((project / "dist" / "2020" / "email.eml").read_bytes(), policy=policy.SMTP)
    assert message["Message-ID"] == "<aireport-2020@xn--fsqu00a.xn--0zwm56d>"
    assert "<https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84/unsubscribe>" in message["List-Unsubscribe"]


@pytest.mark.parametrize("key", ["host", "username", "dkim_selector", "dkim_domain"])
def test_smtp_settings_refuse_control_characters_with_their_line(project, cli, key):
    (project / "pyproject.toml").write_text(f'[tool.aireport]\ntitle = "AI"\n\n[tool.aireport.smtp]\n'
                                            f'{key} = "smtp.example.org\\r\\nRCPT TO:<v@evil.example>"\n',
                                            encoding="utf-8")
    result = cli("check", "2020")
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(f"Error: pyproject.toml:5: [tool.aireport.smtp] {key}: contains the control character")


@pytest.mark.parametrize("text", ["&lt;" + "a" * 4000 + " &lt;b " + "c" * 4000 + "&quot;&gt;",
                                  "字" * 8000 + "。", "a-" * 4000 + "b", "a " * 4000, "&amp;" * 2000])
def test_the_glue_of_a_block_tail_is_found_in_linear_time(text):
    import time

    from aireport.editions.typography import keep_together

    started = time.process_time()
    keep_together(text)
    assert time.process_time() - started < 0.5


def test_keep_together_still_glues_the_last_two_characters():
    from aireport.editions.typography import keep_together

    assert str(keep_together("大模型的时代已经来临。")).endswith('<span style="white-space:nowrap">来临。</span>')
    assert "white-space" not in str(keep_together("a" * 100))


@pytest.mark.parametrize("unit", ["a", "<a ", "&", "`", "a-"])
def test_publish_renders_a_long_line_of_any_repetition_quickly(project, cli, unit):
    import time

    line = unit * (8_000 // len(unit))
    edit_report(project, "## 算法与模型发展", f"## 算法与模型发展\n\n### 长行\n\n- 字 {line} 字\n- {line}\n")
    started = time.process_time()
    result = cli("publish", "2020", "--only", "web,email", "-q")
    assert time.process_time() - started < 10, unit
    assert "Traceback" not in result.output
