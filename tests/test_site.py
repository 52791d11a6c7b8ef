"""The site is a function of issues/, the templates and the settings, whatever the output folder holds."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from aireport.build.workers import Job, Workers, death
from conftest import FIXTURE, make_project

FAST = "web,archive,feed,jsonfeed"


def add_year(root: Path, year: int, draft: bool = False) -> None:
    text = (FIXTURE / "issues" / "2020.md").read_text(encoding="utf-8").replace("2020", str(year))
    if draft:
        text = text.replace("draft: false", "draft: true")
    (root / "issues" / f"{year}.md").write_text(text, encoding="utf-8")


def listed_years(dist: Path) -> list[str]:
    return re.findall(r'href="(\d{4})/"', (dist / "index.html").read_text(encoding="utf-8"))


def test_a_fresh_output_folder_gets_every_year_and_says_what_else_it_built(project, cli):
    add_year(project, 2019)
    result = cli("publish", "2020", "--only", FAST)
    assert result.exit_code == 0
    assert "published 2020 (also built 2019: missing or out of date) into dist/" in result.stderr
    assert list(dict.fromkeys(listed_years(project / "dist"))) == ["2020", "2019"]
    assert (project / "dist" / "2019" / "index.html").is_file()
    again = cli("publish", "2020", "--only", FAST)
    assert "published nothing new into dist/: 0 files written" in again.stderr


def test_publish_without_a_year_builds_the_whole_site_like_all(project, cli):
    add_year(project, 2019)
    assert cli("publish", "--only", FAST, "-q").exit_code == 0
    assert sorted(p.name for p in (project / "dist").iterdir() if p.name.isdigit()) == ["2019", "2020"]
    assert "0 files written" in cli("publish", "--all", "--only", FAST).stderr


@pytest.mark.parametrize("change", ["draft", "deleted"])
def test_a_year_that_became_a_draft_or_lost_its_report_leaves_the_site(project, cli, change):
    add_year(project, 2019)
    assert cli("publish", "--only", FAST, "-q").exit_code == 0
    if change == "draft":
        add_year(project, 2019, draft=True)
    else:
        (project / "issues" / "2019.md").unlink()
    result = cli("publish", "2020", "--only", FAST)
    assert result.exit_code == 0
    assert "removed 2019/ (now a draft or without a report)" in result.stderr
    assert not (project / "dist" / "2019").exists()
    assert list(dict.fromkeys(listed_years(project / "dist"))) == ["2020"]
    for name in ("atom.xml", "rss.xml"):
        assert [e.id for e in feedparser.parse(project / "dist" / name).entries] == [
            "https://reports.example.org/ai/2020/"]


def test_drafts_are_listed_with_drafts_and_removed_again_without(project, cli):
    add_year(project, 2021, draft=True)
    assert cli("publish", "--drafts", "--only", FAST, "-q").exit_code == 0
    assert "2021" in listed_years(project / "dist")
    assert cli("publish", "--only", FAST, "-q").exit_code == 0
    assert not (project / "dist" / "2021").exists()


def test_the_output_folder_holds_only_the_site(project, cli):
    assert cli("publish", "2020", "--only", FAST, "-q").exit_code == 0
    hidden = [p.name for p in (project / "dist").rglob(".*")]
    assert hidden == []
    assert sorted(p.suffix for p in (project / ".aireport-cache").iterdir()) == [".json", ".lock"]


def test_a_write_error_while_staging_changes_nothing_published(project, cli, monkeypatch):
    assert cli("publish", "2020", "--only", FAST, "-q").exit_code == 0
    before = {p: p.read_bytes() for p in (project / "dist").rglob("*") if p.is_file()}
    report = project / "issues" / "2020.md"
    report.write_text(report.read_text(encoding="utf-8").replace("样例", "新版"), encoding="utf-8")
    from aireport.build import writer

    real_open, opened = open, []

    def full_disk(file, mode="r", *args, **kwargs):
        if "w" in mode and writer.STAGING in str(file):
            opened.append(file)
            if len(opened) == 3:  # some files are staged already
                raise OSError(28, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", full_disk)
    result = cli("publish", "2020", "--only", FAST)
    monkeypatch.undo()
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].endswith(": cannot write: No space left on device; "
                                                   "nothing in dist/ was changed")
    assert {p: p.read_bytes() for p in (project / "dist").rglob("*") if p.is_file()} == before


def test_a_symbolic_link_inside_the_output_folder_is_refused(project, cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "dist").mkdir()
    (project / "dist" / "2020").symlink_to(elsewhere)
    result = cli("publish", "2020", "--only", FAST)
    assert result.exit_code == 1
    assert result.stderr == ("Error: dist/2020: is a symbolic link; aireport writes only inside dist/, "
                             "so remove the link\n")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "１２３", "soon"])
def test_source_date_epoch_out_of_range_is_one_line(project, cli, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = cli("publish", "2020", "--only", "web")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: SOURCE_DATE_EPOCH={value!r}: must be a whole number of seconds")
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- JSON Feed 1.1

def test_the_json_feed_follows_json_feed_1_1_and_matches_the_atom_feed(fixture_dist):
    feed = json.loads((fixture_dist / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == "https://reports.example.org/ai/feed.json"
    assert feed["home_page_url"] == "https://reports.example.org/ai/"
    atom = feedparser.parse(fixture_dist / "atom.xml")
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in atom.entries]
    booklet = fixture_dist / "2020" / "aireport-2020.pdf"
    for item in feed["items"]:
        assert set(item) >= {"id", "url", "title", "content_html", "date_published", "date_modified", "authors"}
        assert item["content_html"].startswith("<") and "GPT-3" in item["content_html"]
        assert all(isinstance(author["name"], str) for author in item["authors"])
        assert item["attachments"] == [{"url": "https://reports.example.org/ai/2020/aireport-2020.pdf",
                                        "mime_type": "application/pdf", "title": "2020 AI 年度回顾（样例）（PDF 年度手册）",
                                        "size_in_bytes": booklet.stat().st_size}]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", item["date_published"])


def test_every_page_links_the_json_feed(fixture_dist):
    for page in ("index.html", "2020/index.html"):
        html = (fixture_dist / page).read_text(encoding="utf-8")
        assert ('<link rel="alternate" type="application/feed+json" title="AI 年度回顾（JSON Feed）" '
                'href="https://reports.example.org/ai/feed.json">') in html


# ---------------------------------------------------------------- workers that fail loudly

def die(payload) -> dict:
    os.kill(os.getpid(), signal.SIGKILL)
    return {}


def echo(payload) -> dict:
    return {payload: payload.encode()}


def test_a_killed_worker_fails_its_job_only_and_a_new_worker_takes_the_rest():
    workers = Workers(2, ())
    workers.start()
    try:
        for label, target in (("a", "echo"), ("b", "die"), ("c", "echo"), ("d", "echo")):
            workers.submit(Job(label, f"test_site:{target}", label))
        outcomes = {o.job.label: o for o in workers.outcomes()}
    finally:
        workers.close()
    assert {label: o.files for label, o in outcomes.items() if o.error is None} == {
        "a": {"a": b"a"}, "c": {"c": b"c"}, "d": {"d": b"d"}}
    assert outcomes["b"].error == "b: the worker was killed (signal 9, SIGKILL), possibly out of memory; publish again"


@pytest.mark.parametrize(("code", "words"), [(-15, "killed (signal 15, SIGTERM); publish again"),
                                             (3, "exited unexpectedly (status 3)")])
def test_a_worker_death_says_why(code, words):
    assert words in death(code)


@pytest.mark.slow
def test_killing_booklet_workers_fails_those_years_with_one_line_and_never_hangs(tmp_path):
    root = make_project(tmp_path / "project")
    add_year(root, 2019)
    process = subprocess.Popen([sys.executable, "-m", "aireport", "publish", "--only", "pdf", "-j", "2"], cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:  # as an out-of-memory killer would
        for child in children.read_text().split() if children.exists() else ():
            try:
                if b"aireport" in Path(f"/proc/{child}/cmdline").read_bytes():  # a worker, not fc-list
                    os.kill(int(child), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
        time.sleep(0.02)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert errors and all(re.fullmatch(r"Error: pdf (2019|2020): the worker was killed \(signal 9, SIGKILL\), "
                                       r"possibly out of memory; publish again", line) for line in errors)
    assert "Traceback" not in stderr


@pytest.mark.parametrize("out", ["a" * 300, "a/" * 3000])
def test_an_output_folder_whose_name_is_too_long_is_one_line(project, cli, out):
    result = cli("publish", "2020", "--only", "web", "--out", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: --out {out[:50]}")
    assert result.stderr.endswith(": File name too long\n") and len(result.stderr.splitlines()) == 1
