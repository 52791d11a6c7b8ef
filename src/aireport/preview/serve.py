"""`aireport serve`: publish into a preview folder, serve it, and publish again on every change.

Each rebuild is an ordinary `publish` of every served year: the build cache
renders only the editions whose report, templates or settings changed. A
report with errors, or an edition that fails to render, leaves the files
already in the folder as they were, so the last good build stays up.
"""

from __future__ import annotations

import re
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from aireport.build.run import build, checked_output_dir
from aireport.build.cache import state_path
from aireport.config import Config, load_config
from aireport.errors import AiReportError, display_path, printable
from aireport.build.options import BuildOptions
from aireport.editions import NAMES
from aireport.preview.http import HOST, LOOPBACK, PreviewServer
from aireport.build.progress import Quiet
from aireport.project import Project
from aireport.report.years import is_year
from aireport.editions.site import Site
from aireport.preview.watch import snapshot, watch

PDF_PATH = re.compile(r"([0-9]{4})/aireport-\1\.pdf")
LONG_POLL_SECONDS = 20.0
SETTINGS = "settings"  # the errors key for a problem that stops every year


@dataclass(frozen=True)
class ServeOptions:
    years: tuple[str, ...] = ()  # empty: every report in issues/
    port: int = 8000
    host: str = HOST  # anything but the loopback address lets other computers see the preview
    open_browser: bool = False
    out: str | None = None  # None: a temporary folder, removed on exit
    paper: str | None = None  # None: as in [tool.aireport]
    drafts: bool = True
    only: tuple[str, ...] = NAMES
    pdf_on_request: bool = False


class Console(Quiet):
    """What a rebuild says: each warning once per session, and the editions it made."""

    def __init__(self, echo: Callable[[str], None], seen: set[str]):
        self.echo, self.seen, self.made = echo, seen, []

    def warning(self, line: str) -> None:
        if line not in self.seen:
            self.seen.add(line)
            self.echo(line)

    def waiting(self, message: str) -> None:
        self.echo(message)

    def done(self, job: str, fresh: bool) -> None:
        if not fresh:
            self.made.append(job)


class Preview:
    """The preview folder: what was last built into it, and the errors since."""

    def __init__(self, root: Path, out: str, url: str, options: ServeOptions, echo: Callable[[str], None]):
        self.root, self.out, self.url, self.options, self.echo = root, out, url, options, echo
        self.folder = checked_output_dir(self.config())
        self.version = 0  # counts rebuilds that wrote files: open pages reload when it moves
        self.attempt = 0  # counts every rebuild, good or not: open pages refresh their error banner
        self.errors: dict[str, str] = {}  # year, or SETTINGS, -> its one-line error
        self.changed = threading.Condition()
        self.closed = False
        self._building = threading.Lock()
        self._warned: set[str] = set()

    def config(self) -> Config:
        """The settings as they are now, with links pointing at this server."""
        return load_config(self.root).with_overrides(site_url=self.url, output=self.out, paper=self.options.paper)

    def on_change(self, changes: set[Path]) -> None:
        names = sorted(str(path.relative_to(self.root)) for path in changes)
        self.echo(f"changed: {', '.join(names[:3])}" + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
        self.rebuild()

    def rebuild(self) -> None:
        """Publish every served year again; the cache skips what did not change."""
        only = tuple(e for e in self.options.only if not (e == "pdf" and self.options.pdf_on_request))
        options = BuildOptions(years=self.options.years, drafts=self.options.drafts, only=only, whole_site=False)
        with self._building:
            errors, written = self._publish(options)
            with self.changed:
                self.errors = errors
                if written:
                    self.version += 1
                self.attempt += 1
                self.changed.notify_all()

    def prepare(self, path: str) -> str | None:
        """With --pdf-on-request, bring a booklet up to date before it is served; its error, if any."""
        match = PDF_PATH.fullmatch(path)
        if not (match and self.options.pdf_on_request and "pdf" in self.options.only):
            return None
        year = match.group(1)
        if not is_year(year) or year not in (self.options.years or [year]) \
                or not (self.root / "issues" / f"{year}.md").is_file():
            return None  # not a served year: a plain 404
        options = BuildOptions(years=(year,), drafts=self.options.drafts, only=("pdf",), whole_site=False)
        with self._building:
            errors, _ = self._publish(options)
        return next(iter(errors.values()), None)

    def state(self, since: int | None) -> dict:
        """The reload endpoint's answer, once a rebuild after `since` is done (or a while has passed)."""
        with self.changed:
            if since is not None:
                self.changed.wait_for(lambda: self.attempt != since or self.closed, LONG_POLL_SECONDS)
            errors = list(dict.fromkeys(self.errors.values()))
            return {"version": self.version, "attempt": self.attempt, "errors": errors}

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def _publish(self, options: BuildOptions) -> tuple[dict[str, str], bool]:
        """Run one publish and say how it went: the errors by year, and whether files were written."""
        started = time.perf_counter()
        console = Console(self.echo, self._warned)
        try:
            result = build(Project(self.config()), options, console)
        except Exception as exc:  # noqa: BLE001 -- whatever a half-saved file does to a build, keep serving
            year = options.years[0] if len(options.years) == 1 else None
            message = exc.format_message() if isinstance(exc, AiReportError) else _unexpected(exc)
            self._complain(message, year)
            return {year or SETTINGS: message}, False
        errors = {str(year): message for year, message in sorted(result.failures.items())}
        for year, message in errors.items():
            self._complain(message, year)
        seconds = time.perf_counter() - started
        if console.made:
            self.echo(f"built {', '.join(console.made)} in {seconds:.2f} s")
        elif not errors:
            self.echo(f"up to date ({seconds:.2f} s)")
        return errors, bool(result.written)

    def _complain(self, message: str, year: str | None) -> None:
        kept = (self.folder / year).is_dir() if year else self.version > 0
        self.echo(printable(f"Error: {message}") + ("; still serving the last good build" if kept else ""))


def _unexpected(exc: Exception) -> str:
    """One line for an error aireport did not foresee: what it is, and where to report it."""
    where = next((f"{Path(frame.filename).name}:{frame.lineno}" for frame in
                  reversed(traceback.extract_tb(exc.__traceback__)) if "aireport" in frame.filename), "")
    detail = " ".join(str(exc).split())[:300]
    return printable(f"unexpected {type(exc).__name__}{f' at {where}' if where else ''}: {detail} "
                     "(please report it; `aireport check` may say more)")


def serve(root: Path, options: ServeOptions, echo: Callable[[str], None],
          stop: threading.Event | None = None) -> None:
    """Build, serve and rebuild until Ctrl-C (or until `stop` is set)."""
    stop = stop or threading.Event()
    with (_terminate_as_interrupt(), _output_folder(root, options.out) as out,
          _listening(options.host, options.port) as server):
        preview = Preview(root, out, server.url, options, echo)
        server.folder, server.preview = preview.folder, preview
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        sources = (root / "issues", root / "templates", root / "pyproject.toml")
        try:
            before = snapshot(sources)  # taken first: a save during the first build is not missed
            thread.start()  # the address comes first; a page opened during the first build waits for it
            echo(f"serving {display_path(preview.folder)}/ at {preview.url}/ (Ctrl-C to stop)")
            if options.host not in LOOPBACK:
                echo(f"warning: --host {options.host}: the preview is reachable from the network, "
                     "by anyone who can reach this computer")
            preview.rebuild()
            _announce(preview, echo)
            if options.open_browser:
                _open_browser(preview)
            watch(sources, preview.on_change, stop, since=before)
        except KeyboardInterrupt:
            pass
        finally:
            preview.close()
            if thread.is_alive():
                server.shutdown()
    echo("stopped")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, an editor's stop button) stops like Ctrl-C, so the temporary folder goes too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _listening(host: str, port: int) -> Iterator[PreviewServer]:
    try:
        server = PreviewServer(port, host)
    except OSError as exc:
        raise AiReportError(f"--port {port}: cannot listen on {host} ({exc.strerror}); "
                            "choose another port, or --port 0 for a free one") from None
    with server:
        yield server


@contextmanager
def _output_folder(root: Path, out: str | None) -> Iterator[str]:
    """The folder to build into; a temporary one goes on exit, with its build-cache record."""
    if out is not None:
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="aireport-serve-") as folder:
        try:
            yield folder
        finally:
            config, out = Config(root=root), Path(folder).resolve()
            for suffix in (".json", ".lock"):
                state_path(config, out, suffix).unlink(missing_ok=True)
            with suppress(OSError):  # the cache folder goes too, unless other builds use it
                state_path(config, out, "").parent.rmdir()


def _open_browser(preview: Preview) -> None:
    """The newest year's page (or the archive) in the user's browser."""
    import webbrowser

    years = sorted(preview.folder.glob("[0-9][0-9][0-9][0-9]"), reverse=True)
    webbrowser.open(f"{preview.url}/{years[0].name}/" if years else f"{preview.url}/")


def _announce(preview: Preview, echo: Callable[[str], None]) -> None:
    url = preview.url
    for folder in sorted(preview.folder.glob("[0-9][0-9][0-9][0-9]"), reverse=True):
        year = int(folder.name)
        email = Site.email_path(year, "html")
        shown = f"  e-mail: {url}/{email}" if (preview.folder / email).is_file() else ""
        echo(f"  {year}: {url}/{year}/{shown}")
    echo("watching issues/, templates/ and pyproject.toml for changes")
