"""Thin click commands: parse arguments, call the library, print the result.

Heavy modules are imported inside the commands so that `aireport --help`
stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aireport import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aireport", help="Show the version and exit.")
def main() -> None:
    """Publish the yearly AI review from issues/YEAR.md as a web page, an
    e-mail, a PDF booklet and Atom/RSS feeds."""


@main.command()
@click.argument("years", nargs=-1)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings as well as errors.")
def check(years: tuple[str, ...], strict: bool) -> None:
    """Check reports for errors and warnings (all of issues/ when no YEAR is given)."""
    from aireport.checking import run_check
    from aireport.project import open_project

    project = open_project(Path.cwd())
    result = run_check(project, years)
    for line in result.lines:
        click.echo(line)
    click.echo(result.summary, err=True)
    if result.errors or (strict and result.warnings):
        sys.exit(1)
