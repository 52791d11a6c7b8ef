"""Incremental builds: what each edition was made from, so an unchanged one is not made again.

An edition's key is a hash of everything it reads: the text of the report as
it was loaded (and its cover image), the templates of its own folder and the
shared top-level ones, the settings, aireport's own code and the versions of
the libraries that shape its output. It is reused only when the key matches
and every file it wrote is still in the output folder with the same content; a
missing or unreadable cache simply means a full build.

The record lives in the project's .aireport-cache/, beside the output folder's
lock, so the output folder holds nothing but the site.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path, PurePosixPath

from aireport.atomic import TEMP_PREFIX, write_atomic
from aireport.config import Config
from aireport.editions import Edition
from aireport.report.model import Report

CACHE_FOLDER = ".aireport-cache"
CACHE_VERSION = 2
PACKAGE = Path(__file__).resolve().parents[1]  # all of aireport, not only build/
# Libraries whose upgrade changes what aireport writes: a sanitiser's security fix must rebuild the pages.
# Settings no edition reads: where and how `aireport send` delivers. A change there rebuilds nothing.
NOT_RENDERED = ("smtp", "ledger")
LIBRARIES = ("markdown", "nh3", "jinja2", "markupsafe", "feedgen", "lxml", "css-inline", "pyyaml", "segno")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BuildCache:
    """The record of one output folder, kept in the project's .aireport-cache/."""

    def __init__(self, path: Path, entries: dict[str, dict]):
        self.path = path
        self.entries = entries

    @classmethod
    def open(cls, config: Config, out: Path, trust: bool = True, reading_only: bool = False) -> BuildCache:
        """The record of `out`. A publish opens it under the output folder's lock, so a temporary of
        the record is a killed build's and goes; a reader (`aireport send`) leaves such files alone."""
        path = state_path(config, out, ".json")
        for abandoned in () if reading_only else path.parent.glob(f"{_temp_prefix(path)}*"):
            abandoned.unlink(missing_ok=True)
        entries: dict[str, dict] = {}
        if trust:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == CACHE_VERSION and isinstance(data.get("entries"), dict):
                    entries = data["entries"]
            except (OSError, ValueError, AttributeError):
                entries = {}
        return cls(path, entries)

    def fresh(self, job: str, key: str, out: Path) -> dict[str, str] | None:
        """The files `job` wrote, when its key is unchanged and they are all still intact."""
        entry = self.entries.get(job)
        if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("files"), dict):
            return None
        for name, digest in entry["files"].items():
            try:
                if sha256((out / name).read_bytes()) != digest:
                    return None
            except OSError:
                return None
        return entry["files"]

    def superseded(self, renewed: dict[str, set[str]]) -> list[str]:
        """Files the `renewed` jobs wrote last time and write no more (a hashed stylesheet's old
        name, a search index's old fragments), unless another job still claims them."""
        before = {name for job in renewed for name in self._files(job)}
        claimed = set().union(*renewed.values()) if renewed else set()
        claimed |= {name for job in self.entries if job not in renewed for name in self._files(job)}
        return sorted(name for name in before - claimed if _inside(name))

    def _files(self, job: str) -> list[str]:
        entry = self.entries.get(job)
        files = entry.get("files") if isinstance(entry, dict) else None
        return [name for name in files if isinstance(name, str)] if isinstance(files, dict) else []

    def record(self, job: str, key: str, files: dict[str, bytes]) -> None:
        self.entries[job] = {"key": key, "files": {name: sha256(data) for name, data in sorted(files.items())}}

    def forget_year(self, year: int) -> None:
        for job in [job for job in self.entries if job.endswith(f" {year}")]:
            del self.entries[job]

    def save(self) -> None:
        data = {"version": CACHE_VERSION, "entries": dict(sorted(self.entries.items()))}
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"),
                     prefix=_temp_prefix(self.path))


def state_path(config: Config, out: Path, suffix: str) -> Path:
    """A file of aireport's own about one output folder (its cache record, its lock), kept out of it."""
    return config.root / CACHE_FOLDER / f"{sha256(str(out).encode())[:16]}{suffix}"


def _inside(name: str) -> bool:
    """A record's file name that stays inside the output folder (the record is only a file)."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _temp_prefix(path: Path) -> str:
    """Each output folder's record has its own temporaries, so one publish never removes another's."""
    return f"{TEMP_PREFIX}{path.stem}-"


def edition_key(edition: Edition, config: Config, reports: tuple[Report, ...], extra: str = "") -> str:
    """Everything `edition` reads for these reports, hashed: the reports as they were loaded, so
    what is recorded is exactly what was rendered, even when a file changes meanwhile."""
    digest = hashlib.sha256()
    digest.update(f"{edition.name}\0{_code_fingerprint()}\0{extra}\0".encode())
    settings = {key: value for key, value in asdict(config).items() if key not in NOT_RENDERED}
    digest.update(json.dumps(settings, default=str, sort_keys=True).encode())
    for path in _template_files(config.templates_dir, edition.templates):
        digest.update(f"{path.relative_to(config.templates_dir)}\0".encode() + path.read_bytes())
    for report in reports:
        digest.update(f"{report.path.name}\0{report.digest}\0".encode())
        if report.cover is not None:
            digest.update(report.cover.path.read_bytes())
    return digest.hexdigest()


def _template_files(templates: Path, folder: str) -> list[Path]:
    shared = [p for p in templates.iterdir() if p.is_file()]
    own = [p for p in (templates / folder).rglob("*") if p.is_file()] if (templates / folder).is_dir() else []
    return sorted(shared + own)


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """aireport's own code and the libraries that shape its output: a change to either makes
    every edition stale."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.read_bytes())
    for library in LIBRARIES:
        try:
            digest.update(f"{library} {version(library)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{library} -\0".encode())
    return digest.hexdigest()
