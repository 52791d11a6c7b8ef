"""`aireport serve` as an editor meets it: a preview that follows the report as it is edited."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aireport.editions.typography import without_glue
from aireport.preview.http import RELOAD_PATH, content_type, inject_reload
from aireport.preview.serve import Preview, ServeOptions
from aireport.preview.watch import changed_paths, snapshot, watch
from conftest import EPOCH, make_project

DEADLINE = 20.0  # seconds to wait for the server to notice a change and rebuild
TITLE = "title: 2020 AI 年度回顾（样例）"


class Served:
    """`aireport serve --port 0` in a subprocess, its stderr read line by line as it comes."""

    def __init__(self, root: Path, *args: str):
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aireport", "serve", "--port", "0", *args],
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_for(r"^serving .+/ at http://127\.0\.0\.1:\d+/ \(Ctrl-C to stop\)$")
        self.folder, self.url = re.fullmatch(r"serving (.+)/ at (\S+)/ \(Ctrl-C to stop\)", line).groups()
        self.port = int(self.url.rsplit(":", 1)[1])
        self.wait_for(r"^watching issues/")  # the address comes first, then the first build

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str) -> str:
        """The first group of the next stderr line matching `pattern` (the whole line if it has none)."""
        deadline = time.monotonic() + DEADLINE
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match.group(1) if match.groups() else line
        pytest.fail(f"no line matching {pattern!r} within {DEADLINE} s; stderr was:\n" + "\n".join(self.seen))

    def get(self, path: str, method: str = "GET") -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path)
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status == 200, (path, response.status)
        return response.body.decode("utf-8")

    def state(self, since: int | None = None) -> dict:
        return json.loads(self.text(RELOAD_PATH + ("" if since is None else f"?since={since}")))

    def interrupt(self, signum: int = signal.SIGINT) -> tuple[int, str, list[str]]:
        """Ctrl-C (or another signal): the exit code, stdout, and every line of stderr."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=DEADLINE)
        self.reader.join(timeout=DEADLINE)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, self.process.stdout.read(), self.seen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=DEADLINE)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def served(tmp_path):
    started = []

    def start(root: Path, *args: str) -> Served:
        started.append(Served(root, *args))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def eventually(check, what: str):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    pytest.fail(f"{what}: not seen within {DEADLINE} s")


def test_serve_follows_edits_keeps_the_last_good_build_and_stops_on_ctrl_c(tmp_path, served):
    root = make_project(tmp_path / "project")
    report = root / "issues" / "2020.md"
    server = served(root, "--out", str(tmp_path / "preview"), "--pdf-on-request")
    url = server.url

    assert server.folder == str(tmp_path / "preview")
    page = server.text("/2020/")
    assert "<title>2020 AI 年度回顾（样例）" in page and RELOAD_PATH in page
    assert f'href="{url}/atom.xml"' in page  # links lead to the preview, not the public site
    on_disk = (tmp_path / "preview" / "2020" / "index.html").read_text(encoding="utf-8")
    assert RELOAD_PATH not in on_disk and on_disk == page.replace(inject_reload(b"", 1).decode(), "")
    assert RELOAD_PATH in server.text("/2020/email.html")
    assert RELOAD_PATH not in server.text("/atom.xml")
    before = server.state()
    assert before["errors"] == [] and before["version"] == 1

    edit(report, TITLE, "title: 2020 AI 年度回顾（修订）")
    after = server.state(since=before["attempt"])  # answers once the rebuild is done
    assert after["version"] == before["version"] + 1 and after["errors"] == []
    assert "<title>2020 AI 年度回顾（修订）" in server.text("/2020/")
    assert "2020 AI 年度回顾（修订）" in without_glue(server.text("/"))
    assert server.wait_for(r"^changed: (issues/2020\.md)$")
    assert "web 2020" in server.wait_for(r"^built .* in \d+\.\d\d s$")

    edit(report, "### AI 训练芯片\n", "### AI 训练芯片\n\n- **空**：\n")
    error = server.wait_for(r"^Error: issues/2020\.md:\d+: .*")
    assert error.endswith(": empty item '空': add its text or sub-points; still serving the last good build")
    broken = eventually(lambda: (s := server.state())["errors"] and s, "the error on the reload endpoint")
    assert broken["version"] == after["version"]
    assert broken["errors"] == [error.removeprefix("Error: ").removesuffix("; still serving the last good build")]
    assert "<title>2020 AI 年度回顾（修订）" in server.text("/2020/")

    edit(report, "\n- **空**：\n", "")
    eventually(lambda: server.state()["errors"] == [], "the error cleared once the report is fixed")

    pdf = server.get("/2020/aireport-2020.pdf")  # built now, on request
    assert (pdf.status, pdf.getheader("Content-Type"), pdf.body[:5]) == (200, "application/pdf", b"%PDF-")
    assert (tmp_path / "preview" / "2020" / "aireport-2020.pdf").read_bytes() == pdf.body

    code, stdout, stderr = server.interrupt()
    assert (code, stdout, stderr[-1]) == (0, "", "stopped")
    assert not any("Traceback" in line for line in stderr)


def test_serve_answers_like_a_static_site_and_tidies_up(tmp_path, served):
    root = make_project(tmp_path / "project")
    server = served(root, "--only", "web,archive")
    moved = server.get("/2020")
    assert (moved.status, moved.getheader("Location")) == (301, "/2020/")
    head = server.get("/2020/", method="HEAD")
    assert (head.status, head.body, head.getheader("Cache-Control")) == (200, b"", "no-store")
    assert head.getheader("Content-Type") == "text/html; charset=utf-8"
    for hidden in ("/.aireport.lock", "/../pyproject.toml", "/2020/email.html", "/2020/aireport-2020.pdf"):
        assert server.get(hidden).status == 404, hidden

    assert Path(server.folder, "2020", "index.html").is_file()

    edit(root / "templates" / "web" / "style.css", "--accent: #b3111e;", "--accent: #0b6e4f;")
    assert server.wait_for(r"^built (.*) in \d+\.\d\d s$").startswith("web 2020")
    stylesheet = re.search(r'href="(\.\./assets/web-[0-9a-f]+\.css)"', server.text("/2020/")).group(1)
    assert "--accent: #0b6e4f;" in server.text("/2020/" + stylesheet)

    settings = root / "pyproject.toml"
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good + 'paper = "B5"\n', encoding="utf-8")
    assert server.wait_for(r"^Error: .*") == ("Error: pyproject.toml:6: [tool.aireport] paper: must be one of A5, A4; "
                                              "still serving the last good build")
    settings.write_text(good, encoding="utf-8")
    assert server.wait_for(r"^up to date \(\d+\.\d\d s\)$")

    code, stdout, stderr = server.interrupt(signal.SIGTERM)  # `kill` stops as cleanly as Ctrl-C
    assert (code, stdout) == (0, "")
    assert stderr[0] == f"serving {server.folder}/ at {server.url}/ (Ctrl-C to stop)"  # before building
    assert stderr[1].startswith("built web 2020, archive (all years) in ")
    assert stderr[2:4] == [f"  2020: {server.url}/2020/", "watching issues/, templates/ and pyproject.toml for changes"]
    assert stderr[-3] == "changed: pyproject.toml" and stderr[-1] == "stopped"
    assert not Path(server.folder).exists()
    assert not (root / ".aireport-cache").exists()  # the temporary folder's cache record went with it


def test_drafts_are_previewed_unless_no_drafts(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    edit(root / "issues" / "2020.md", "draft: false", "draft: true")
    said: list[str] = []
    for drafts, folder in ((True, "with"), (False, "without")):
        options = ServeOptions(drafts=drafts, only=("web", "archive"))
        Preview(root, str(tmp_path / folder), "http://127.0.0.1:8000", options, said.append).rebuild()
    assert len(said) == 2 and said[0].startswith("built web 2020, archive (all years) in ")
    assert said[1].startswith("built archive (all years) in ")  # the archive, without the draft
    assert (tmp_path / "with" / "2020" / "index.html").is_file()
    assert not (tmp_path / "without" / "2020").exists()
    assert "2020 AI 年度回顾（样例）" not in (tmp_path / "without" / "index.html").read_text(encoding="utf-8")


def test_a_template_mistake_keeps_the_page_and_names_the_line(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    said: list[str] = []
    preview = Preview(root, str(tmp_path / "preview"), "http://127.0.0.1:8000", ServeOptions(only=("web", "archive")), said.append)
    preview.rebuild()
    page = (tmp_path / "preview" / "2020" / "index.html").read_bytes()
    edit(root / "templates" / "web" / "report.html", "{% block main %}\n", "{% block main %}\n{{ nope }}\n")
    preview.rebuild()
    error = "templates/web/report.html:8: 'nope' is undefined"
    # The archive shares the edited folder, so it is rebuilt after the year's error is told.
    assert f"Error: {error}; still serving the last good build" in said[-2:]
    assert preview.state(None)["errors"] == [error]
    assert (tmp_path / "preview" / "2020" / "index.html").read_bytes() == page


def test_a_port_in_use_is_one_clear_line(project, cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: --port {port}: cannot listen on 127.0.0.1 (Address already in use); "
                             "choose another port, or --port 0 for a free one\n")


def test_serve_refuses_a_bad_year_and_a_project_folder_before_serving(project, cli):
    assert cli("serve", "20x").stderr == "Error: issues: '20x' is not a year; give a four-digit year from 1900 to 2999 such as 2020\n"
    assert cli("serve", "--port", "0", "--out", "templates").stderr == (
        "Error: --out templates: would overwrite the project's own files; choose a separate folder such as dist/\n")


def test_the_reload_script_goes_before_the_closing_body():
    page = inject_reload(b"<html><body><p>x</p></BODY></html>\n", 7)
    assert page.startswith(b"<html><body><p>x</p><script>") and page.endswith(b"</script>\n</BODY></html>\n")
    assert b"var shown = 7," in page and RELOAD_PATH.encode() in page
    assert inject_reload(b"<p>fragment</p>", 1).startswith(b"<p>fragment</p><script>")


@pytest.mark.parametrize("name, kind", [
    ("index.html", "text/html; charset=utf-8"),
    ("email.txt", "text/plain; charset=utf-8"),
    ("atom.xml", "application/xml; charset=utf-8"),
    ("aireport-2020.pdf", "application/pdf"),
    ("email.eml", "message/rfc822"),
])
def test_text_is_served_as_utf_8(name, kind):
    assert content_type(Path(name)) == kind


def test_snapshots_skip_editor_files_and_see_changes(tmp_path):
    for name in ("2020.md", ".2020.md.swp", "2020.md~", "4913", "#2020.md#"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    before = snapshot([tmp_path])
    assert list(before) == [tmp_path / "2020.md"]
    (tmp_path / "2020.md").write_text("xy", encoding="utf-8")
    (tmp_path / "2021.md").write_text("new", encoding="utf-8")
    assert changed_paths(before, snapshot([tmp_path])) == {tmp_path / "2020.md", tmp_path / "2021.md"}


def test_watch_reports_a_burst_of_saves_once(tmp_path):
    calls: list[set[Path]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=((tmp_path,), calls.append, stop), kwargs={"interval": 0.05})
    watcher.start()
    try:
        time.sleep(0.2)
        for name in ("a.md", "b.md"):
            (tmp_path / name).write_text("x", encoding="utf-8")
        eventually(lambda: calls, "the change")
        time.sleep(0.3)
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert calls == [{tmp_path / "a.md", tmp_path / "b.md"}]


def test_the_address_comes_before_the_first_build_and_a_page_waits_for_it(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    said: list[str] = []
    served_during_build: list[tuple[int, bytes]] = []
    stop = threading.Event()

    def echo(line: str) -> None:
        said.append(line)
        if line.startswith("serving "):  # the first build has not started: a page opened now waits for it
            url = line.split(" at ")[1].split("/ ")[0]
            port = int(url.rsplit(":", 1)[1])
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/2020/")
            response = connection.getresponse()
            served_during_build.append((response.status, response.read()))
        if line.startswith("watching "):
            stop.set()

    from aireport.preview.serve import serve

    serve(root, ServeOptions(port=0, only=("web",)), echo, stop)
    assert said[0].startswith("serving ") and said[1].startswith("built web 2020")
    status, body = served_during_build[0]
    assert status == 503 and b"building the first preview" in body and RELOAD_PATH.encode() in body


def test_a_host_other_than_loopback_is_announced_with_a_warning(tmp_path, monkeypatch):
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    said: list[str] = []
    stop = threading.Event()

    def echo(line: str) -> None:
        said.append(line)
        if line.startswith("watching "):
            stop.set()

    from aireport.preview.serve import serve

    serve(root, ServeOptions(port=0, host="0.0.0.0", only=("web",)), echo, stop)
    assert said[1] == ("warning: --host 0.0.0.0: the preview is reachable from the network, by anyone who can "
                       "reach this computer")
    assert said[0].startswith("serving ") and "0.0.0.0" not in said[0]  # an address a phone can open


def test_open_shows_the_newest_year_in_the_browser(tmp_path, monkeypatch):
    import webbrowser

    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    stop = threading.Event()
    said: list[str] = []

    def echo(line: str) -> None:
        said.append(line)
        if line.startswith("watching "):
            stop.set()

    from aireport.preview.serve import serve

    serve(root, ServeOptions(port=0, open_browser=True, only=("web",)), echo, stop)
    url = said[0].split(" at ")[1].split("/ ")[0]
    assert opened == [f"{url}/2020/"]
