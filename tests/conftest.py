"""Shared fixtures: a small fixture project, and real publishes of the fixture and the real reports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# In CI the fuzz tests replay the same examples every run: a red run must be reproducible,
# and a new failing example is found by the runs on developers' machines.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

from aireport.build.run import build
from aireport.cli import main
from aireport.config import load_config
from aireport.build.options import BuildOptions
from aireport.project import Project

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
FIXTURE = DATA / "fixture"
GOLDEN = ROOT / "tests" / "golden"
EPOCH = "1609372800"  # 2020-12-31T00:00:00Z


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/ from the fixture report's editions.")


def make_project(target: Path, source: Path = FIXTURE) -> Path:
    """A copy of a project folder (pyproject.toml + issues/) with the real templates."""
    shutil.copytree(source, target)
    shutil.copytree(ROOT / "templates", target / "templates")
    return target


def publish_project(root: Path, out: Path, *years: str, only=None) -> Path:
    config = load_config(root).with_overrides(output=str(out))
    options = BuildOptions(years=years, only=only or BuildOptions().only)
    build(Project(config), options)
    return out


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """The fixture project in a temporary folder, as the working directory."""
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return root


@pytest.fixture
def cli():
    """Run `aireport ARGS` in the current folder; returns click's Result."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def fixture_dist(tmp_path_factory) -> Path:
    """Every edition of the fixture report, published once per test session."""
    base = tmp_path_factory.mktemp("fixture")
    root = make_project(base / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return publish_project(root, base / "dist", "2020")


@pytest.fixture(scope="session")
def real_dist(tmp_path_factory) -> Path:
    """The real site (every report in issues/, every edition), published once per test session."""
    out = tmp_path_factory.mktemp("real") / "dist"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return publish_project(ROOT, out)
