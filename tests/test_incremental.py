"""Incremental and parallel builds: nothing is made twice, nothing stale is trusted, -j changes no byte."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from aireport.build.run import build
from aireport.build.cache import CACHE_FOLDER
from aireport.config import load_config
from aireport.build.options import BuildOptions
from aireport.project import Project
from aireport.build.workers import worker_count

FAST = ("web", "email", "archive", "feed", "jsonfeed")


def run(root: Path, **options) -> object:
    options.setdefault("years", ("2020",))
    options.setdefault("only", FAST)
    return build(Project(load_config(root)), BuildOptions(**options))


def written(result) -> list[str]:
    return sorted(output.path for output in result.written)


def add_year(root: Path, year: int, broken: bool = False) -> None:
    text = (root / "issues" / "2020.md").read_text(encoding="utf-8").replace("2020", str(year))
    if broken:
        text = text.replace("## 总结 {.summary}", "## 总结 {.summary}\n\n### 不该在这里的话题\n\n- 点")
    (root / "issues" / f"{year}.md").write_text(text, encoding="utf-8")


def test_nothing_changed_renders_nothing(project):
    first = run(project)
    assert "2020/index.html" in written(first)
    again = run(project)
    assert written(again) == []
    assert sorted(again.unchanged) == ["archive (all years)", "email 2020", "feed (all years)",
                                       "jsonfeed (all years)", "web 2020"]


def test_an_email_template_change_rebuilds_only_the_email(project):
    run(project)
    style = project / "templates" / "email" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\n.preheader { color: #fefefe; }\n", encoding="utf-8")
    again = run(project)
    assert {o.edition for o in again.written} == {"email"}
    assert sorted(again.unchanged) == ["archive (all years)", "feed (all years)", "jsonfeed (all years)", "web 2020"]


def test_a_report_change_rebuilds_its_editions_and_the_lists(project):
    run(project)
    report = project / "issues" / "2020.md"
    report.write_text(report.read_text(encoding="utf-8").replace("样例", "新版"), encoding="utf-8")
    again = run(project)
    assert again.unchanged == []
    assert "新版" in (project / "dist" / "index.html").read_text(encoding="utf-8")


def test_a_deleted_or_altered_output_is_written_again(project):
    run(project)
    (project / "dist" / "2020" / "index.html").unlink()
    (project / "dist" / "atom.xml").write_text("tampered", encoding="utf-8")
    again = run(project)
    assert "2020/index.html" in written(again) and "atom.xml" in written(again)
    assert (project / "dist" / "atom.xml").read_text(encoding="utf-8").startswith("<?xml")


def test_a_corrupted_cache_means_a_full_build(project):
    run(project)
    for state in (project / CACHE_FOLDER).glob("*.json"):
        state.write_text("{not json", encoding="utf-8")
    assert "2020/email.eml" in written(run(project))
    assert written(run(project)) == []


def test_force_rebuilds_everything(project):
    run(project)
    assert written(run(project, force=True)) == written(run(project, force=True)) != []


def test_parallel_years_give_the_same_bytes_as_one_at_a_time(project, tmp_path):
    add_year(project, 2021)
    other = tmp_path / "copy"
    shutil.copytree(project, other)
    run(project, years=(), jobs=1, only=FAST + ("pdf",))
    run(other, years=(), jobs=2, only=FAST + ("pdf",))
    one, two = project / "dist", other / "dist"
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len(files) > 10
    assert [f for f in files if (one / f).read_bytes() != (two / f).read_bytes()] == []


@pytest.mark.parametrize(("jobs", "reports", "wanted", "count"), [
    (2, 1, True, 1),  # one per report
    (4, 2, True, 2),
    (1, 4, True, 0),  # -j1: everything in the one process
    (2, 4, False, 0),  # no booklet asked for
    (64, 4, True, min(4, os.cpu_count() or 1)),  # never more than reports or cores
])
def test_workers_one_per_report_up_to_jobs_and_cores(jobs, reports, wanted, count):
    assert worker_count(jobs, reports, wanted) == count


def test_a_failing_year_is_reported_and_the_others_finish(project, cli):
    add_year(project, 2021)
    add_year(project, 2022, broken=True)
    result = cli("publish", "--all", "--only", "web,archive", "-j", "2")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("Error: issues/2022.md:")
    assert (project / "dist" / "2021" / "index.html").is_file() and (project / "dist" / "2020" / "index.html").is_file()
    assert not (project / "dist" / "2022").exists()


@pytest.mark.parametrize("jobs", ["0", "x"])
def test_jobs_must_be_a_positive_number(project, cli, jobs):
    result = cli("publish", "2020", "-j", jobs)
    assert result.exit_code == 2 and "Invalid value for '-j' / '--jobs'" in result.stderr


class Terminal:
    """A stream that says it is a terminal and keeps what was drawn, and whether `watched` existed then."""

    def __init__(self, watched: Path | None = None):
        self.text = ""
        self.watched = watched
        self.frames: list[tuple[str, bool]] = []

    def write(self, text: str) -> None:
        self.text += text
        if self.watched is not None:
            self.frames.append((text, self.watched.exists()))

    def flush(self) -> None: ...

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_a_pipe_gets_lines(project):
    from aireport.build.progress import Bar, Lines, choose

    terminal = Terminal()
    bar = choose(project / "dist", quiet=False, verbose=False, stream=terminal)
    assert isinstance(bar, Bar)
    build(Project(load_config(project)), BuildOptions(years=("2020",), only=FAST), bar)
    frames = [frame for frame in terminal.text.split("\r\x1b[2K") if frame]
    assert frames[-1].startswith("█" * Bar.WIDTH + " 5/5 ")
    assert terminal.text.endswith("\r\x1b[2K")  # the bar is cleared before the summary
    assert isinstance(choose(project / "dist", quiet=False, verbose=True, stream=terminal), Lines)


def test_the_bar_moves_as_editions_render_before_anything_is_written(project):
    from aireport.build.progress import choose

    terminal = Terminal(watched=project / "dist" / "2020" / "index.html")
    bar = choose(project / "dist", quiet=False, verbose=False, stream=terminal)
    build(Project(load_config(project)), BuildOptions(years=("2020",), only=("web", "email", "pdf", "archive"), jobs=2),
          bar)
    drawn_before_writing = [text.split(" ", 1)[1] for text, written in terminal.frames
                            if not written and text.strip("\r\x1b[2K")]
    assert drawn_before_writing == ["0/4 ", "1/4 web 2020", "2/4 email 2020", "3/4 pdf 2020",
                                    "4/4 archive (all years)"]


def test_a_killed_save_of_the_cache_leaves_nothing_behind(project):
    run(project)
    record = next((project / CACHE_FOLDER).glob("*.json"))
    abandoned = record.parent / f".aireport-tmp-{record.stem}-x1"
    abandoned.write_text("{half", encoding="utf-8")
    run(project)
    assert sorted(p.name for p in record.parent.iterdir()) == [record.name, f"{record.stem}.lock"]


@pytest.mark.parametrize("template, rebuilt", [("web/archive.html", "index.html"), ("feed/entry.html", "atom.xml")])
def test_a_change_to_the_archive_or_feed_templates_rebuilds_them(project, template, rebuilt):
    run(project)
    path = project / "templates" / template
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert rebuilt in written(run(project))


def break_report(root: Path, year: int) -> None:
    path = root / "issues" / f"{year}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## 总结 {.summary}", "## 总结 {.summary}\n\n### 不该在这里的话题\n\n- 点"),
                    encoding="utf-8")


@pytest.mark.parametrize("args", [("--all",), ("2020",)])
def test_a_published_year_whose_report_breaks_stays_listed(project, cli, args):
    add_year(project, 2021)
    assert cli("publish", "--all", "--only", "web,archive,feed", "-q").exit_code == 0
    archive = (project / "dist" / "index.html").read_bytes()
    break_report(project, 2021)
    result = cli("publish", *args, "--only", "web,archive,feed")
    assert ("the archive and feeds keep their last version until the report of 2021 loads again"
            in result.stderr.splitlines())
    assert (project / "dist" / "index.html").read_bytes() == archive
    assert b'href="2021/"' in archive


def test_a_change_to_the_sending_settings_rebuilds_nothing(project):
    run(project)
    settings = project / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\n[tool.aireport.smtp]\nhost = "mail.example.org"\n',
                        encoding="utf-8")
    assert written(run(project)) == []


def test_a_file_no_edition_writes_any_more_is_removed_and_nothing_else(project, cli, monkeypatch):
    monkeypatch.chdir(project)
    run(project)
    dist = project / "dist"
    (old_style,) = (dist / "assets").glob("web-*.css")
    mine = dist / "assets" / "mine.txt"  # the output folder's files that aireport did not write stay
    mine.write_text("kept", encoding="utf-8")
    style = project / "templates" / "web" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\nmain { color: #111; }\n", encoding="utf-8")
    result = cli("publish", "2020", "--only", ",".join(FAST))
    assert result.exit_code == 0, result.output
    (new_style,) = (dist / "assets").glob("web-*.css")
    assert new_style != old_style and not old_style.exists() and mine.exists()
    assert new_style.name in (dist / "2020" / "index.html").read_text(encoding="utf-8")
    assert "1 file no edition writes any more removed" in result.stderr.splitlines()[-1]


def test_a_tampered_cache_record_cannot_remove_files_outside_what_aireport_wrote(project):
    run(project)
    outside = project / "outside.txt"
    outside.write_text("kept", encoding="utf-8")
    (record,) = (project / CACHE_FOLDER).glob("*.json")
    data = json.loads(record.read_text(encoding="utf-8"))
    data["entries"]["web 2020"]["files"].update({"../outside.txt": "0", str(outside): "0"})
    record.write_text(json.dumps(data), encoding="utf-8")
    style = project / "templates" / "web" / "style.css"
    style.write_text(style.read_text(encoding="utf-8") + "\nmain { color: #111; }\n", encoding="utf-8")
    run(project)
    assert outside.read_text(encoding="utf-8") == "kept"
