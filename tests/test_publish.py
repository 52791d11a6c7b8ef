"""The build as a whole: archive across years, determinism, atomic and all-or-nothing writes, the lock."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aireport import atomic as writer
from aireport.errors import BuildError
from aireport.build.cache import state_path
from aireport.build.lock import output_lock
from aireport.config import load_config
from conftest import EPOCH, ROOT, make_project, publish_project


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publishing_one_year_lists_every_report_newest_first(tmp_path):
    out = tmp_path / "dist"
    publish_project(ROOT, out, "2020", only=("archive",))
    archive = (out / "index.html").read_text(encoding="utf-8")
    years = sorted((int(p.stem) for p in (ROOT / "issues").glob("*.md")), reverse=True)
    assert [archive.index(f'href="{year}/"') for year in years] == sorted(archive.index(f'href="{year}/"')
                                                                          for year in years)


def test_same_input_gives_byte_identical_output(fixture_dist, tmp_path, monkeypatch):
    root = make_project(tmp_path / "again")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = publish_project(root, tmp_path / "dist", "2020")
    first, second = snapshot(fixture_dist), snapshot(again)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_source_date_epoch_sets_file_times(fixture_dist):
    assert {int(p.stat().st_mtime) for p in fixture_dist.rglob("*.html")} == {int(EPOCH)}


def test_a_failing_template_leaves_dist_as_it_was(project, cli):
    assert cli("publish", "2020", "--only", "web", "-q").exit_code == 0
    before = snapshot(project / "dist")
    page = project / "templates" / "web" / "report.html"
    broken = page.read_text(encoding="utf-8").replace("{{ report_body(report) }}", "{{ report.no_such_field.x }}")
    page.write_text(broken, encoding="utf-8")
    (project / "issues" / "2020.md").write_text(
        (project / "issues" / "2020.md").read_text(encoding="utf-8").replace("样例", "新版"), encoding="utf-8")
    result = cli("publish", "2020", "--only", "web")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: templates/web/report.html:")
    assert "no_such_field" in result.stderr
    assert snapshot(project / "dist") == before


def test_template_syntax_error_names_file_and_line(project, cli):
    (project / "templates" / "web" / "archive.html").write_text("{% extends 'web/base.html' %}\n{% block main %}{% if %}\n",
                                                             encoding="utf-8")
    result = cli("publish", "2020", "--only", "archive")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: templates/web/archive.html:2: ")
    assert "Traceback" not in result.output


def test_interrupted_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "index.html"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "replace", fail)
    with pytest.raises(BuildError, match="index.html: cannot write: No space left on device"):
        writer.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_stale_temporaries_of_a_killed_build_are_removed(project, cli):
    stale = project / "dist" / "2020" / f"{writer.TEMP_PREFIX}abc"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    assert cli("publish", "2020", "--only", "web", "-q").exit_code == 0
    assert not stale.exists()


def test_unwritable_output_is_a_clear_error_naming_the_path(project, cli):
    (project / "dist").mkdir()
    (project / "dist" / "2020").write_bytes(b"a file where the year's folder belongs")
    result = cli("publish", "2020", "--only", "web")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: dist/2020: cannot write here: File exists"


def test_a_second_publish_waits_for_the_first(project):
    out = project / "dist"
    released, holding = threading.Event(), threading.Event()

    def hold():
        with output_lock(state_path(load_config(project), out.resolve(), ".lock"), out):
            holding.set()
            released.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    process = subprocess.Popen([sys.executable, "-m", "aireport", "publish", "2020", "--only", "web"],
                               cwd=project, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()  # the second publish says it waits, and does
        assert first == "waiting for another aireport publish into dist\n"
        time.sleep(0.5)
        assert process.poll() is None, "the second publish did not wait for the lock"
    finally:
        released.set()
        holder.join()
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 0, rest
