"""`[tool.aireport]` settings from pyproject.toml, validated once, all errors together."""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aireport.errors import ConfigError, display_path

PAPER_SIZES = ("A5", "A4")
# Characters that reorder what a terminal, a mail client or a feed reader shows.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
EMAIL_KINDS = ("full", "digest")
SECURITY = ("starttls", "tls", "none")
LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class SmtpConfig:
    """`[tool.aireport.smtp]`: where `aireport send` hands its messages, and how it signs them.

    The password is never a setting: it comes from AIREPORT_SMTP_PASSWORD only.
    """

    host: str = "localhost"
    port: int | None = None  # None: the usual port of `security`
    security: str = "starttls"  # a loopback host may still speak plain SMTP when it offers no STARTTLS
    username: str | None = None
    dkim_key: str | None = None  # a PEM private key, relative to the project root
    dkim_selector: str | None = None
    dkim_domain: str | None = None  # default: the From address's domain

    @property
    def address(self) -> tuple[str, int]:
        # A local Postfix listens on 25; a provider's submission port for STARTTLS is 587.
        default = {"tls": 465, "starttls": 25 if self.loopback else 587, "none": 25}[self.security]
        return self.host, self.port or default

    @property
    def loopback(self) -> bool:
        return self.host.lower() in LOOPBACK


SMTP_KEYS = tuple(f.name for f in fields(SmtpConfig))


# The example address new projects start with: links, feeds and QR codes built with it point nowhere.
PLACEHOLDER_SITE_URL = "https://aireport.example.org"
PLACEHOLDER_WARNING = (f"pyproject.toml: site_url is still the example {PLACEHOLDER_SITE_URL}, so links, feeds "
                       "and QR codes point nowhere; set site_url in [tool.aireport] or pass --site-url")


@dataclass(frozen=True)
class Config:
    root: Path
    site_url: str = PLACEHOLDER_SITE_URL
    title: str = "AI 年度回顾"
    description: str = "一年一度的人工智能大事件与技术进展回顾"
    publisher: str = "aireport"
    contact: str = "editor@aireport.example.org"
    output: str = "dist"
    paper: str = "A5"
    font_dir: str | None = None
    email_from: str | None = None
    unsubscribe_url: str | None = None
    feed_limit: int = 50
    email: str = "full"  # the e-mail edition: the whole report, or a digest that links to the web page
    ledger: str = ".aireport/sends.sqlite3"  # the send records, relative to the root; never in dist/ or a cache
    smtp: SmtpConfig = field(default_factory=SmtpConfig)

    @property
    def ledger_path(self) -> Path:
        return (self.root / self.ledger).resolve()

    @property
    def issues_dir(self) -> Path:
        return self.root / "issues"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def output_dir(self) -> Path:
        return (self.root / self.output).resolve()

    @property
    def sender(self) -> str:
        """The e-mail's From: email_from, or the publisher at the contact address."""
        if self.email_from:
            return self.email_from
        from email.headerregistry import Address

        return str(Address(self.publisher, addr_spec=self.contact))

    @property
    def unsubscribe(self) -> str:
        return self.unsubscribe_url or f"{self.site_url}/unsubscribe"

    def url(self, path: str = "") -> str:
        """An absolute URL below the site root."""
        return f"{self.site_url}/{path.lstrip('/')}"

    def with_overrides(self, **overrides: Any) -> Config:
        """Command-line overrides, validated like the file's settings."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        merged = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("root", "smtp")}
        merged = {k: v for k, v in merged.items() if v is not None} | given
        return replace(_validated(self.root, merged, source=COMMAND_LINE, text=""), smtp=self.smtp)

    def with_smtp(self, host: str | None = None, port: int | None = None) -> Config:
        """`--smtp HOST:PORT` in place of the host and port of [tool.aireport.smtp]."""
        if host is None:
            return self
        return replace(self, smtp=replace(self.smtp, host=host, port=port))


COMMAND_LINE = "command line"
FLAGS = {"output": "--out", "site_url": "--site-url"}
TABLE = "tool.aireport"
SMTP_TABLE = "tool.aireport.smtp"
KEYS = tuple(f.name for f in fields(Config) if f.name != "root")


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that is an aireport project, or `start` itself."""
    for folder in (start, *start.parents):
        if is_project(folder):
            return folder
    return start


def is_project(folder: Path) -> bool:
    """A project has an issues/ folder or a pyproject.toml with a [tool.aireport] table."""
    return (folder / "issues").is_dir() or _has_settings(folder / "pyproject.toml")


def _has_settings(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:  # none here (or unreadable: not ours to judge)
        return False
    try:
        return "aireport" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return "[tool.aireport]" in text  # ours, broken: load_config reports the mistake with its line


def load_config(root: Path) -> Config:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return Config(root=root)
    text = _read_settings(pyproject)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display_path(pyproject)}: invalid TOML: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("aireport", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        line = _line_of_table(text)
        raise ConfigError(f"{display_path(pyproject)}:{line}: [tool.aireport] must be a table of settings "
                          "(`[tool.aireport]` followed by `key = value` lines)")
    return _validated(root, table, source=display_path(pyproject), text=text)


def _read_settings(pyproject: Path) -> str:
    try:
        data = pyproject.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{display_path(pyproject)}: cannot be read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{display_path(pyproject)}:{line}: is not valid UTF-8 "
                          f"(byte 0x{data[exc.start]:02x}); save the file as UTF-8") from None


def _validated(root: Path, table: dict[str, Any], source: str, text: str) -> Config:
    problems: list[tuple[int, str]] = []

    def complainer(section: str, given: dict[str, Any]):
        def complain(key: str, message: str) -> None:
            if source == COMMAND_LINE:
                problems.append((0, f"{FLAGS.get(key, key)} {shown(given[key])}: {message}"))
                return
            line = _line_of(text, key, section)
            where = f"{source}:{line}" if line else source
            problems.append((line or 0, f"{where}: [{section}] {shown(key)}: {message}"))
        return complain

    complain = complainer(TABLE, table)
    values = _typed(table, KEYS, {"feed_limit": int, "smtp": dict}, complain)
    _check_values(values, complain)
    if "smtp" in values:
        smtp_table = values["smtp"]
        smtp_complain = complainer(SMTP_TABLE, smtp_table)
        smtp_values = _typed(smtp_table, SMTP_KEYS, {"port": int}, smtp_complain)
        _check_smtp(smtp_values, smtp_complain)
        values["smtp"] = replace(SmtpConfig(), **smtp_values)
    if problems:
        raise ConfigError("\n".join(message for _, message in sorted(problems)))
    if "site_url" in values:
        values["site_url"] = values["site_url"].rstrip("/")
    return replace(Config(root=root), **values)


def _typed(table: dict[str, Any], keys: tuple[str, ...], types: dict[str, type], complain) -> dict[str, Any]:
    """The known settings of `table` that have the right type; a complaint for each other one."""
    for key in sorted(set(table) - set(keys)):
        if "pass" in key.lower():
            complain(key, "a password is never read from a file; set AIREPORT_SMTP_PASSWORD in the environment")
            continue
        hint = difflib.get_close_matches(key, keys, n=1)
        complain(key, "unknown setting" + (f"; did you mean '{hint[0]}'?" if hint else ""))
    values = {}
    names = {int: "whole number", str: "string", dict: "table"}
    for key, value in table.items():
        if key not in keys:
            continue
        expected = types.get(key, str)
        if isinstance(value, str) and (bad := control_character(value)):
            complain(key, f"contains the control character {bad}; settings are one line of text")
        elif isinstance(value, expected) and not isinstance(value, bool):
            values[key] = value
        else:
            complain(key, f"must be a {names[expected]}")
    return values


def is_host(host: str) -> bool:
    """A host name or an IP address, with no port, path or space."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return re.fullmatch(r"[\w.-]+", host) is not None and not host.startswith((".", "-"))


def _check_smtp(values: dict[str, Any], complain) -> None:
    security = values.get("security")
    if security is not None and security not in SECURITY:
        complain("security", f"must be one of {', '.join(SECURITY)}")
    port = values.get("port")
    if port is not None and not 0 < port < 65536:
        complain("port", "must be between 1 and 65535")
    for key in ("host", "username", "dkim_key", "dkim_selector", "dkim_domain"):
        if key in values and not values[key].strip():
            complain(key, "must not be empty")
    host = values.get("host")
    if host is not None and host.strip() and not is_host(host):
        complain("host", "must be a host name such as smtp.example.org, or an IP address (the port is `port`)")
    if "dkim_key" in values and "dkim_selector" not in values:
        complain("dkim_key", "needs dkim_selector too (the DNS name is SELECTOR._domainkey.DOMAIN)")


def _check_values(values: dict[str, Any], complain) -> None:
    site = values.get("site_url")
    if site is not None and not _is_http_url(site):
        complain("site_url", "must be an absolute http(s) URL such as https://example.org")
    unsubscribe = values.get("unsubscribe_url")
    if unsubscribe is not None and not _is_http_url(unsubscribe):
        complain("unsubscribe_url", "must be an absolute http(s) URL")
    contact = values.get("contact")
    if contact is not None and (not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", contact)
                                or _sender_problem(contact)):
        complain("contact", "must be an e-mail address such as editor@example.org")
    sender = values.get("email_from")
    if sender is not None and (problem := _sender_problem(sender)):
        complain("email_from", problem)
    paper = values.get("paper")
    if paper is not None and paper not in PAPER_SIZES:
        complain("paper", f"must be one of {', '.join(PAPER_SIZES)}")
    limit = values.get("feed_limit")
    if limit is not None and limit < 1:
        complain("feed_limit", "must be at least 1")
    email = values.get("email")
    if email is not None and email not in EMAIL_KINDS:
        complain("email", "must be \"full\" (the whole report) or \"digest\" (a summary linking to the web page)")
    for key in ("title", "publisher", "output", "ledger"):
        if key in values and not values[key].strip():
            complain(key, "must not be empty")


def _sender_problem(address: str) -> str | None:
    from aireport.editions.email.mime import sender_problem  # the e-mail library, only when there is an address

    return sender_problem(address)


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises on a port that is not a number from 0 to 65535
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname)
            and not any(ch.isspace() or ch in '<>"\\^`{|}' for ch in value))


def control_character(text: str) -> str | None:
    """The first character of `text` that may not appear in a one-line setting (as U+XXXX), or None.

    urlsplit and the e-mail headers would each read CR, LF and TAB their own way."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in BIDI_CONTROLS:
            return f"U+{ord(char):04X}"
    return None


def shown(value: Any) -> str:
    """A value as it can be printed on one line of a terminal."""
    return repr(value) if isinstance(value, str) and control_character(value) else str(value)


def _line_of_table(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"\s*(\[tool\.aireport\]|\[tool\]|tool\s*=|aireport\s*=)", line):
            return number
    return 1


def _line_of(text: str, key: str, section: str = TABLE) -> int | None:
    """The line of `key = ...` inside [section], for error messages."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == f"[{section}]"
        elif inside and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None
