"""Thin click commands: parse arguments, call the library, print the result.

Heavy modules are imported inside the commands so that `aireport --help`
stays instant.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from aireport import __version__
from aireport.editions import only_help

ONLY_HELP = only_help()
MIN_RATE, MAX_RATE = 0.01, 10000.0  # messages a second: one every 100 s at the least


class _Commands(click.Group):
    def invoke(self, ctx: click.Context):
        """A file or folder the system refuses (no permission, a full disk) is one line, whichever
        step met it first."""
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.filename is None or isinstance(exc, click.ClickException):
                raise
            from aireport.errors import AiReportError, display_path

            raise AiReportError(f"{display_path(Path(os.fsdecode(exc.filename)))}: {exc.strerror or exc}; "
                                "check that it can be read (and its folder written)") from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aireport", help="Show the version and exit.")
def main() -> None:
    """Publish the yearly AI review from issues/YEAR.md as a web page, an
    e-mail, a PDF booklet and Atom/RSS feeds."""


@main.command()
@click.argument("years", nargs=-1)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings as well as errors.")
@click.option("--fix", is_flag=True,
              help="Rewrite the reports' text in house style first (spacing, punctuation, names, numbers); "
                   "URLs, code and front-matter keys are left alone.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one 'file:LINE: level: message' line per problem; json: an array of "
                   "{file, line, level, rule, message}, for editors and CI.")
def check(years: tuple[str, ...], strict: bool, fix: bool, output_format: str) -> None:
    """Check reports for errors and warnings (all of issues/ when no YEAR is given)."""
    from aireport.checking import run_check
    from aireport.project import open_project

    project = open_project(Path.cwd())
    result = run_check(project, years, fix=fix)
    for path, changed in result.fixed:
        click.echo(f"{path}: fixed {changed} line{'' if changed == 1 else 's'}", err=True)
    if output_format == "json":
        click.echo(result.as_json())
    else:
        for line in result.lines:
            click.echo(line)
    click.echo(result.summary, err=True)
    if result.errors or (strict and result.warnings):
        sys.exit(1)


@main.command()
@click.argument("years", nargs=-1)
@click.option("--out", metavar="DIR", help="Output folder (default: `output` in [tool.aireport], dist).")
@click.option("--site-url", metavar="URL", help="Public URL of the site, used for absolute links.")
@click.option("--paper", type=click.Choice(["A5", "A4"]),
              help="Page size of the PDF booklet (default: `paper` in [tool.aireport], A5).")
@click.option("--only", metavar="EDITIONS", help=ONLY_HELP)
@click.option("--all", "all_years", is_flag=True, help="Publish the whole site (the same as giving no YEAR).")
@click.option("--drafts", is_flag=True, help="Include reports marked draft: true.")
@click.option("--force", is_flag=True, help="Render the years asked for (all without YEAR) even when up to date.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="CPU count",
              help="How many booklets to typeset at once, in separate processes.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="One line per file written, even on a terminal.")
def publish(years: tuple[str, ...], out: str | None, site_url: str | None, paper: str | None, only: str | None,
            all_years: bool, drafts: bool, force: bool, jobs: int, quiet: bool, verbose: bool) -> None:
    """Build the site from issues/ into the output folder: every edition of every report that is
    not a draft, the archive and the feeds.

    With YEAR, those years are built, and whatever another listed year is missing or stale in the
    output folder is built too, so the folder is always a complete site. Editions whose inputs have
    not changed are left as they are; folders of years that are now drafts or gone, and files an
    edition no longer writes, are removed."""
    import time

    from aireport.build.options import BuildOptions
    from aireport.build.publish import publish as run_publish
    from aireport.editions import parse_only

    started = time.perf_counter()
    if years and all_years:
        from aireport.errors import AiReportError

        raise AiReportError("give YEARs or --all, not both; --all publishes every report")
    options = BuildOptions(years=tuple(dict.fromkeys(years)), drafts=drafts, only=parse_only(only), force=force, jobs=jobs)

    def progress_for(output: Path):
        from aireport.build.progress import choose

        return choose(output, quiet, verbose)

    result = run_publish(Path.cwd(), options, dict(site_url=site_url, output=out, paper=paper), progress_for)
    from aireport.build.summary import summary

    if not quiet:
        click.echo(summary(result, time.perf_counter() - started), err=True)
    from aireport.errors import printable

    for year, message in sorted(result.failures.items()):
        click.echo(printable(f"Error: {message}"), err=True)
    if result.failures:
        sys.exit(1)


@main.command()
@click.argument("year")
def new(year: str) -> None:
    """Start issues/YEAR.md from the report template, as a draft."""
    from aireport.errors import display_path
    from aireport.project import open_project
    from aireport.scaffold import new_report

    path = new_report(open_project(Path.cwd()), year)
    click.echo(f"created {display_path(path)} (draft: true); check it with `aireport check {year}`", err=True)


@main.command()
@click.argument("years", nargs=-1)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to serve on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network see the preview "
                   "(and anyone else who can reach this computer).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser once it is built.")
@click.option("--out", metavar="DIR", help="Build into this folder instead of a temporary one; its links point "
                                           "to the preview server, so use `aireport publish` for the real site.")
@click.option("--paper", type=click.Choice(["A5", "A4"]),
              help="Page size of the PDF booklet (default: `paper` in [tool.aireport], A5).")
@click.option("--only", metavar="EDITIONS", help=ONLY_HELP)
@click.option("--drafts/--no-drafts", default=True, show_default=True,
              help="Include reports marked draft: true; on by default, since a preview is for unfinished work.")
@click.option("--pdf-on-request", is_flag=True,
              help="Build a year's PDF booklet when it is opened instead of after every change, "
                   "so the web page and e-mail reload sooner.")
def serve(years: tuple[str, ...], port: int, host: str, open_browser: bool, out: str | None, paper: str | None,
          only: str | None, drafts: bool, pdf_on_request: bool) -> None:
    """Preview reports at http://127.0.0.1:PORT/ (all of issues/ when no YEAR is given).

    Rebuilds what changes in issues/, templates/ and pyproject.toml and reloads
    open web and e-mail pages; a report with errors prints the error and the
    last good build stays up. The PDF is rebuilt on every change too, or only
    when it is opened with --pdf-on-request. Stop with Ctrl-C.
    """
    from aireport.editions import parse_only
    from aireport.report.loader import report_path
    from aireport.project import open_project
    from aireport.preview.serve import ServeOptions, serve as run_serve

    project = open_project(Path.cwd())
    for year in years:
        report_path(project.config.issues_dir, year)  # refuses anything but a four-digit year, now
    options = ServeOptions(years=years, port=port, host=host, open_browser=open_browser, out=out, paper=paper,
                           drafts=drafts, only=parse_only(only), pdf_on_request=pdf_on_request)
    run_serve(project.root, options, lambda line: click.echo(line, err=True))


def _rate(ctx, param, value: float) -> float:
    if not (value == 0 or MIN_RATE <= value <= MAX_RATE):  # also refuses nan
        raise click.BadParameter(f"{value}: give 0 (no limit) or a number of messages a second from "
                                 f"{MIN_RATE} to {MAX_RATE:.0f}")
    return value


def _smtp_address(ctx, param, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    from aireport.config import is_host

    match = re.fullmatch(r"\[([^\]]*)\]:(\d{1,5})|([^:\[\]]*):(\d{1,5})", value.strip())
    host, port = (match.group(1) or match.group(3), match.group(2) or match.group(4)) if match else ("", "0")
    if not match or not is_host(host) or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value}: give HOST:PORT, such as 127.0.0.1:25 or [::1]:25")
    return host, int(port)


@main.command()
@click.argument("year")
@click.option("--list", "list_path", type=click.Path(path_type=Path), metavar="FILE.csv",
              help="Subscribers: a CSV file with a header row, an `email` column and an optional `name`.")
@click.option("--test", "test_address", metavar="ADDRESS", help="Send one proof copy to ADDRESS; not recorded.")
@click.option("--dry-run", is_flag=True, help="Print who would get the e-mail; send nothing.")
@click.option("--smtp", "smtp_address", callback=_smtp_address, metavar="HOST:PORT",
              help="SMTP server instead of host and port in [tool.aireport.smtp].")
@click.option("--rate", type=float, callback=_rate, default=10, show_default=True, metavar="N",
              help="Messages a second at most, over all connections (0.01 to 10000); 0 for no limit.")
@click.option("--connections", type=click.IntRange(1, 32), default=2, show_default=True, metavar="N",
              help="Parallel SMTP connections (1 to 32).")
def send(year: str, list_path: Path | None, test_address: str | None, dry_run: bool,
         smtp_address: tuple[str, int] | None, rate: float, connections: int) -> None:
    """Send the published e-mail edition of YEAR to every subscriber on the list, once.

    Every recipient is recorded in the send ledger, so sending again mails only
    those not reached yet, and a send that was stopped resumes where it left off.
    Needs AIREPORT_UNSUBSCRIBE_SECRET (and AIREPORT_SMTP_PASSWORD with a username)."""
    from aireport.errors import AiReportError
    from aireport.project import open_project
    from aireport.send.delivery import Limits
    from aireport.send.progress import SendProgress
    from aireport.send.run import SendOptions, send as run_send

    host, port = smtp_address or (None, None)
    options = SendOptions(year=year, list_path=list_path, test_address=test_address, dry_run=dry_run,
                          limits=Limits(rate=rate, connections=connections), smtp_host=host, smtp_port=port)
    progress = SendProgress()
    try:
        result = run_send(open_project(Path.cwd()), options, progress)
    finally:
        progress.close()
    if list_path is not None:
        for line in result.summary.lines(list_path):
            click.echo(line, err=True)
    if result.would_send is not None:
        count = sum(1 for address in result.would_send if click.echo(address) or True)
        click.echo(f"{year}: would send to {count}; nothing sent (--dry-run)", err=True)
    elif test_address is not None:
        click.echo(f"{year}: proof copy sent to {test_address} (not recorded)", err=True)
    else:
        click.echo(result.line(), err=True)
    if result.tally.stopped:
        raise AiReportError(result.tally.stopped)


@main.command()
@click.argument("addresses", nargs=-1, required=True)
def suppress(addresses: tuple[str, ...]) -> None:
    """Never mail these ADDRESSES again (recorded in the send ledger)."""
    from aireport.project import open_project
    from aireport.send.run import suppress as run_suppress

    for line in run_suppress(open_project(Path.cwd()), addresses):
        click.echo(line)


@main.command()
@click.argument("year", required=False)
def sends(year: str | None) -> None:
    """What was sent, failed, deferred or is pending, per year (or for YEAR), from the send ledger."""
    from aireport.project import open_project
    from aireport.send.run import sends as run_sends

    for line in run_sends(open_project(Path.cwd()), year):
        click.echo(line)
