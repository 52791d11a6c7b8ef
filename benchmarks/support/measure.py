"""Timing commands in fresh processes, and taking turns between the sides of a comparison."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

# What one measured action gives: seconds, and peak memory in MB (0 when not measured).
Measurement = tuple[float, float]
# Runs argv[1:] with no output, then prints its wall time, peak memory (KiB) and exit status.
LAUNCHER = """\
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


class Failed(Exception):
    """A command of the benchmark exited with an error or wrote less than it should."""


@dataclass
class Samples:
    """The timed runs of one side."""
    seconds: list[float] = field(default_factory=list)
    megabytes: list[float] = field(default_factory=list)

    def add(self, seconds: float, megabytes: float) -> None:
        self.seconds.append(seconds)
        self.megabytes.append(megabytes)


def interleave(sides: dict[str, Callable[[], Measurement]], runs: int) -> dict[str, Samples]:
    """Each side once untimed (imports, disk and font caches), then `runs` rounds of every side in
    turn, so that a busy moment of the machine slows both sides rather than one."""
    for action in sides.values():
        action()
    samples = {name: Samples() for name in sides}
    for _ in range(runs):
        for name, action in sides.items():
            samples[name].add(*action())
    return samples


def run(command: list[str], env: dict[str, str], cwd: Path) -> Measurement:
    """Wall time and peak memory of one command, including the children it waits for (pandoc's
    WeasyPrint), which the kernel folds into its usage.

    The command is started by a small launcher process rather than by this one: a new process
    counts the memory of the one that started it towards its own peak, and this one grows large
    once it has rendered booklets itself.
    """
    with tempfile.TemporaryFile() as errors:
        launched = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *command], cwd=cwd, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, text=True)
        fields = launched.stdout.split()
        status = int(fields[2]) if len(fields) == 3 else launched.returncode or 1
        if status:
            errors.seek(0)
            raise Failed(_failure(command, status, errors.read().decode("utf-8", "replace")))
    return float(fields[0]), int(fields[1]) / 1024  # ru_maxrss is in KiB on Linux


def _failure(command: list[str], status: int, errors: str) -> str:
    shown = " ".join(Path(part).name if "/" in part else part for part in command[:3])
    last = (errors.strip().splitlines() or ["(no message)"])[-1]
    return f"`{shown} …` exited with {status}: {last}"


def timed(action: Callable[[], object]) -> Measurement:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, 0.0


def expect_files(folder: Path, names: Iterable[str], who: str) -> None:
    """A side that silently wrote nothing would win every race: check that it wrote."""
    missing = [name for name in names if not (folder / name).is_file() or not (folder / name).stat().st_size]
    if missing:
        raise Failed(f"{who} did not write {', '.join(missing)} in {folder}")


def column_sums(columns: Iterable[list[float]]) -> list[float]:
    """Run by run, the sum of several steps' times."""
    return [sum(values) for values in zip(*columns, strict=True)]


def one_report_project(root: Path, folder: Path, year: str) -> Path:
    """A copy of the project at `root` with only YEAR's report: a publish builds the whole site,
    and the tools aireport is measured against make one report."""
    (folder / "issues").mkdir(parents=True)
    shutil.copyfile(root / "issues" / f"{year}.md", folder / "issues" / f"{year}.md")
    shutil.copyfile(root / "pyproject.toml", folder / "pyproject.toml")
    shutil.copytree(root / "templates", folder / "templates")
    return folder
