"""One SMTP connection (smtplib) and what the server's answer means for the ledger.

Security: `tls` speaks TLS from the first byte (port 465), `starttls` upgrades
a plain connection (port 587) and fails when the server cannot, `none` stays
plain. A loopback host (a local Postfix) may speak plain SMTP without login
even under `starttls`; anywhere else TLS is required unless `security = "none"`
is set explicitly, and a password is never sent over a plain connection to
another host. Certificates are verified.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass

from aireport.config import SmtpConfig
from aireport.errors import AiReportError

PASSWORD_VARIABLE = "AIREPORT_SMTP_PASSWORD"
TIMEOUT = 60  # seconds for any one exchange with the server


class Fatal(AiReportError):
    """The server or its settings make every message fail: stop the send."""


@dataclass(frozen=True)
class Answer:
    state: str  # sent, deferred or failed
    text: str  # the server's code and words, or what went wrong

    @classmethod
    def of(cls, code: int, words: bytes | str) -> Answer:
        text = f"{code} {words.decode('utf-8', 'replace') if isinstance(words, bytes) else words}".strip()
        return cls("failed" if 500 <= code < 600 else "deferred", " ".join(text.split()))


def password(smtp: SmtpConfig) -> str | None:
    if smtp.username is None:
        return None
    value = os.environ.get(PASSWORD_VARIABLE)
    if not value:
        raise AiReportError(f"[tool.aireport.smtp] username = {smtp.username!r} needs its password in the "
                            f"environment variable {PASSWORD_VARIABLE}")
    return value


def check_security(smtp: SmtpConfig) -> None:
    """Refuse settings that would send mail or a password unprotected to another machine."""
    if smtp.security == "none" and smtp.username is not None and not smtp.loopback:
        raise AiReportError(f"[tool.aireport.smtp] security = \"none\" with a username would send the password "
                            f"to {smtp.host} unencrypted; use \"starttls\" or \"tls\"")


class Connection:
    """A lazily opened, reused SMTP connection, opened again after the server drops it."""

    def __init__(self, smtp: SmtpConfig, secret: str | None, timeout: float = TIMEOUT):
        self.smtp, self.secret, self.timeout = smtp, secret, timeout
        self.client: smtplib.SMTP | None = None

    def ready(self) -> None:
        """Open the connection unless it is open. A server that cannot be reached, or refuses TLS
        or the login, is Fatal: every message would fail the same way."""
        if self.client is None:
            self.client = self._open()

    def send(self, sender: str, recipient: str, message: bytes) -> Answer:
        self.ready()
        try:
            return _transfer(self.client, sender, recipient, message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, words = next(iter(exc.recipients.values()))
            return self._answer(code, words)
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code < 500:
                return self._answer(exc.smtp_code, exc.smtp_error)
            raise Fatal(f"{self.smtp.host}: the server refuses to send from {sender}: "
                        f"{Answer.of(exc.smtp_code, exc.smtp_error).text}; check email_from in [tool.aireport] and "
                        "[tool.aireport.smtp] (a server may want a login first)") from None
        except smtplib.SMTPResponseException as exc:
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                raise Fatal(f"{self.smtp.host}: the server refused the login of {self.smtp.username!r}: "
                            f"{exc.smtp_code} {exc.smtp_error.decode('utf-8', 'replace')}") from None
            return self._answer(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            return Answer("deferred", f"connection to {self.smtp.host} lost: {exc or type(exc).__name__}")

    def _answer(self, code: int, words: bytes) -> Answer:
        if code == 421 or code < 0:  # the server is closing the connection
            self.close()
        return Answer.of(code, words)

    def _open(self) -> smtplib.SMTP:
        host, port = self.smtp.address
        where = f"{host}:{port}"
        context = ssl.create_default_context()
        try:
            if self.smtp.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(host, port, timeout=self.timeout)
        except ssl.SSLError as exc:
            raise Fatal(f"{where}: TLS failed: {exc.reason or exc}; check host, port and security (\"tls\" is "
                        "for port 465, \"starttls\" for 587)") from None
        except smtplib.SMTPResponseException as exc:
            raise Fatal(f"{where}: the server refused the connection: {Answer.of(exc.smtp_code, exc.smtp_error).text}; "
                        "lower --connections if it limits them, then send again") from None
        except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
            hint = "" if self.smtp.security == "tls" else (" (a port that speaks TLS from the start, such as 465, "
                                                          "needs security = \"tls\")")
            raise Fatal(f"{where}: no SMTP greeting: {_reason(exc)}; check host and port in [tool.aireport.smtp] "
                        f"(or --smtp){hint}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise Fatal(f"{where}: cannot connect: {_reason(exc)}; check host and port in [tool.aireport.smtp] "
                        "(or --smtp), then send again") from None
        try:
            client.ehlo()
            if self.smtp.security == "starttls":
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif not self.smtp.loopback:
                    raise Fatal(f"{where} does not offer STARTTLS; use security = \"tls\" (port 465), or "
                                "\"none\" only if the network between is trusted")
            if self.secret is not None:
                client.login(self.smtp.username or "", self.secret)
        except smtplib.SMTPAuthenticationError as exc:
            client.close()
            raise Fatal(f"{host}: the server refused the login of {self.smtp.username!r}: {exc.smtp_code} "
                        f"{exc.smtp_error.decode('utf-8', 'replace')}") from None
        except smtplib.SMTPNotSupportedError:
            client.close()
            raise Fatal(f"{where}: the server offers no login (AUTH); remove username from [tool.aireport.smtp], "
                        "or use the port that takes logins (587 or 465)") from None
        except ssl.SSLError as exc:
            client.close()
            raise Fatal(f"{where}: TLS failed: {exc.reason or exc}; check host, port and security") from None
        except (OSError, smtplib.SMTPException) as exc:
            client.close()
            raise Fatal(f"{where}: the connection failed while opening: {_reason(exc)}; send again") from None
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def _transfer(client: smtplib.SMTP, sender: str, recipient: str, message: bytes) -> Answer:
    """MAIL, RCPT and DATA for one message, as smtplib's sendmail does, but without its pass over
    the whole message to double leading dots: there are none (base64 lines and folded headers),
    and the check that says so costs a fraction of that pass."""
    if b"\n." in message or message.startswith(b"."):
        client.sendmail(sender, [recipient], message)
        return Answer("sent", "250 accepted")
    for command, expected in ((lambda: client.mail(sender), (250,)), (lambda: client.rcpt(recipient), (250, 251)),
                              (lambda: client.docmd("data"), (354,))):
        code, words = command()
        if code not in expected:
            if code != 421 and code >= 0:
                client.rset()
            if 500 <= code < 600 and expected == (250,):
                raise smtplib.SMTPSenderRefused(code, words, sender)
            return _refused(code, words)
    client.send(message + (b"" if message.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    code, words = client.getreply()
    if code != 250:
        return _refused(code, words)
    return Answer("sent", f"{code} {words.decode('utf-8', 'replace')}")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _refused(code: int, words: bytes) -> Answer:
    if code == 421 or code < 0:  # the server is closing the connection
        raise smtplib.SMTPServerDisconnected(f"{code} {words.decode('utf-8', 'replace')}")
    return Answer.of(code, words)
