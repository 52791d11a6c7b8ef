"""`aireport send`, `suppress` and `sends`: one function each for the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from aireport.errors import AiReportError, display_path
from aireport.project import Project
from aireport.report.years import parse_year
from aireport.send.delivery import Delivering, Limits, Tally
from aireport.send.ledger import Ledger, ledger_path, send_lock
from aireport.send.recipients import ListSummary, normalise, read_list


FAILURES_SHOWN = 10  # failed or deferred recipients `sends` names, per edition


@dataclass(frozen=True)
class SendOptions:
    year: str
    list_path: Path | None = None
    test_address: str | None = None
    dry_run: bool = False
    limits: Limits = field(default_factory=Limits)
    smtp_host: str | None = None  # --smtp HOST:PORT
    smtp_port: int | None = None


@dataclass
class SendResult:
    year: str
    summary: ListSummary = field(default_factory=ListSummary)
    tally: Tally = field(default_factory=Tally)
    to_send: int = 0
    sent_before: int = 0
    failed_before: int = 0
    in_flight: int = 0  # rows a killed send left in flight, sent again now
    would_send: Iterator[str] | None = None  # the dry run's recipients

    def line(self) -> str:
        s, t = self.summary, self.tally
        skipped = f"skipped {s.skipped}" + (f" ({len(s.invalid)} invalid, {s.duplicates} duplicate, "
                                             f"{s.suppressed} suppressed)" if s.skipped else "")
        parts = [f"{self.year}: sent {t.sent}", skipped, f"failed permanently {t.failed}",
                 f"deferred {t.deferred}" + (" (send again to retry them)" if t.deferred else "")]
        if t.unsubscribed:
            parts.append(f"{t.unsubscribed} unsubscribed while the send ran (not mailed)")
        if self.to_send > t.done:
            parts.append(f"not tried {self.to_send - t.done} (send again to send them)")
        if self.sent_before:
            parts.append(f"{self.sent_before} already sent by an earlier send")
        if self.failed_before:
            parts.append(f"{self.failed_before} failed permanently in an earlier send (not tried again)")
        if self.in_flight:
            parts.append(f"{self.in_flight} that were in flight when the last send stopped were tried again")
        return ", ".join(parts)


def send(project: Project, options: SendOptions, progress: Callable[[int, Tally], None]) -> SendResult:
    """Send the year's published e-mail edition to the list (or one proof copy) as `options` say."""
    from aireport.send.edition import published_email
    from aireport.send.smtp import check_security, password

    config = project.config
    published = published_email(project, options.year)  # compared with the settings as they are in the file
    compose = _composer(project, published)
    smtp = config.with_smtp(options.smtp_host, options.smtp_port).smtp
    check_security(smtp)
    sender = parseaddr(config.sender)[1]
    if options.test_address is not None:
        if options.list_path is not None:
            raise AiReportError("give --list to send to the subscribers or --test for one proof copy, not both")
        return _send_proof(options, smtp, password(smtp), sender, compose)
    if options.list_path is None:
        raise AiReportError("give the subscribers with --list FILE.csv (or one address with --test)")
    secret = None if options.dry_run else password(smtp)
    path = ledger_path(config)
    result = SendResult(options.year)
    with send_lock(path):
        ledger = Ledger(path)
        ledger.take_list(options.year, read_list(options.list_path, result.summary), result.summary,
                         record=not options.dry_run)
        if options.dry_run:
            result.would_send = ledger.would_send(options.year)
            return result
        result.in_flight = ledger.recover(options.year)
        counts = ledger.count_work(options.year)
        result.to_send = counts.get("pending", 0) + counts.get("deferred", 0)
        result.sent_before, result.failed_before = counts.get("sent", 0), counts.get("failed", 0)
        delivering = Delivering(path, smtp, secret, sender, compose, options.limits)
        try:
            result.tally = delivering.run(ledger.work(options.year), lambda tally: progress(result.to_send, tally))
        except KeyboardInterrupt:  # every answer received is recorded; the summary says what is left
            result.tally = delivering.tally
            result.tally.stopped = "stopped by Ctrl-C; send again to resume"
        ledger.close()
    return result


def _composer(project: Project, published: bytes) -> Callable[..., bytes]:
    from aireport.send.dkim import signer
    from aireport.send.personalise import Personaliser, unsubscribe_secret

    config = project.config
    personaliser = Personaliser(published, config.unsubscribe, unsubscribe_secret())
    signing = signer(config)
    if signing is None:
        return personaliser.message
    return lambda address, name, proof=False: signing.sign(personaliser.message(address, name, proof))


def _send_proof(options: SendOptions, smtp, secret, sender: str, compose) -> SendResult:
    from aireport.send.smtp import Connection

    address = normalise(options.test_address or "")
    if address is None:
        raise AiReportError(f"--test {options.test_address}: not an e-mail address")
    if options.dry_run:
        raise AiReportError("--test sends one proof copy; leave out --dry-run")
    connection = Connection(smtp, secret)
    try:
        answer = connection.send(sender, address, compose(address, "", proof=True))
    finally:
        connection.close()
    if answer.state != "sent":
        raise AiReportError(f"--test {address}: not sent: {answer.text}")
    result = SendResult(options.year)
    result.tally.sent = 1
    return result


def suppress(project: Project, addresses: tuple[str, ...]) -> list[str]:
    """Record each address as never to be mailed again; a line for each."""
    bad = [a for a in addresses if normalise(a) is None]
    if bad:
        raise AiReportError(f"not e-mail addresses: {', '.join(bad)}; nothing was suppressed")
    ledger = Ledger(ledger_path(project.config))
    lines = []
    for address in addresses:
        new = ledger.suppress(normalise(address) or address, "aireport suppress")
        lines.append(f"{address}: {'suppressed' if new else 'already suppressed'}")
    ledger.close()
    return lines


def sends(project: Project, year: str | None) -> list[str]:
    """What the ledger holds: each edition's recipients by state, and how many were in flight at a kill."""
    if year is not None:
        try:
            parse_year(year)
        except ValueError as exc:
            raise AiReportError(str(exc)) from None
    path = ledger_path(project.config)
    if path.is_dir():
        raise AiReportError(f"{display_path(path)}: is a folder; set ledger in [tool.aireport] to a file such as "
                            ".aireport/sends.sqlite3")
    if not path.is_file():
        return [f"nothing sent yet (no ledger at {project.config.ledger})"]
    ledger = Ledger(path)
    lines = []
    for edition, states, in_flight in ledger.status(year):
        counts = ", ".join(f"{states.get(state, 0)} {state}" for state in ("sent", "failed", "deferred", "pending",
                                                                           "sending"))
        line = f"{edition}: {counts}"
        if states.get("unsubscribed"):
            line += f", {states['unsubscribed']} unsubscribed before they were mailed"
        if in_flight:
            line += (f"; {in_flight} were in flight when a send was killed and were sent again "
                     "(those few may have arrived twice)")
        lines.append(line)
        failures = ledger.failures(edition, limit=FAILURES_SHOWN + 1)
        lines += [f"  {address}: {state}: {answer}" for address, state, answer in failures[:FAILURES_SHOWN]]
        more = states.get("failed", 0) + states.get("deferred", 0) - FAILURES_SHOWN
        if more > 0:
            lines.append(f"  and {more} more failed or deferred")
    if not lines:
        lines.append(f"{year}: nothing sent yet" if year else "nothing sent yet")
    lines.append(f"suppressed addresses: {ledger.suppressed_count()}")
    ledger.close()
    return lines
