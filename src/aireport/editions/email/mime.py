"""A complete multipart/alternative message (plain text, then HTML), as bytes.

Both parts are UTF-8 in base64: quoted-printable nearly doubles Chinese text,
and 8bit would need every line under 998 bytes, which inlined HTML does not
promise. base64 keeps the whole message 7-bit clean with short lines.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Headers given with set_raw() are written exactly as given; folding a long
# List-Unsubscribe URL would turn it into an encoded word that no client reads.
POLICY = policy.SMTP.clone(refold_source="none")


@dataclass(frozen=True)
class Envelope:
    subject: str
    sender: str
    date: datetime
    message_id: str  # without the angle brackets
    unsubscribe: tuple[str, ...]  # mailto: and https: URLs
    list_id: str
    language: str


def build_message(envelope: Envelope, text: str, html: str) -> bytes:
    _check_headers(envelope)
    message = EmailMessage(policy=POLICY)
    message["From"] = envelope.sender
    message["Subject"] = envelope.subject
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = f"<{envelope.message_id}>"
    message["List-Id"] = envelope.list_id
    message.set_raw("List-Unsubscribe", ",\n ".join(f"<{url}>" for url in envelope.unsubscribe))
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    message.make_alternative()  # moves any Content-* header into a part, so those come after
    message["Content-Language"] = envelope.language
    for subtype, body in (("plain", text), ("html", html)):
        part = MIMEPart(policy=POLICY)
        part.set_content(body, subtype=subtype, charset="utf-8", cte="base64")
        message.attach(part)
    # A boundary made from the content, not at random, so a rebuild is byte-identical.
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:24]
    message.set_boundary(f"=_aireport_{digest}")
    return message.as_bytes()


class UnsafeHeader(ValueError):
    """A header value that could end the header or start another one."""


def _check_headers(envelope: Envelope) -> None:
    """Refuse any value that is not one plain line, whatever checked it before: a CR or LF
    would start a header of its own (Bcc:), and URLs go in List-Unsubscribe unencoded."""
    values = [("Subject", envelope.subject), ("From", envelope.sender), ("Message-ID", envelope.message_id),
              ("List-Id", envelope.list_id), ("Content-Language", envelope.language),
              *(("List-Unsubscribe", url) for url in envelope.unsubscribe)]
    for name, value in values:
        if not header_safe(value):
            raise UnsafeHeader(f"the e-mail's {name} header would hold {value!r}; it must be one line "
                               "without control characters")
    for url in envelope.unsubscribe:
        if any(char in url for char in "<>, ") or not url.isascii():
            raise UnsafeHeader(f"the e-mail's List-Unsubscribe URL {url!r} holds a character that "
                               "ends it (<, >, comma, space) or is not ASCII")
    if any(char in envelope.message_id for char in "<> "):
        raise UnsafeHeader(f"the e-mail's Message-ID {envelope.message_id!r} holds <, > or a space")


def header_safe(value: str) -> bool:
    """Whether `value` can go in a header: no control characters (CR, LF, TAB included),
    no unpaired surrogates or line separators, no characters that reorder text."""
    return not any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in BIDI_CONTROLS
                   for char in value)


def sender_problem(sender: str) -> str | None:
    """Why `sender` cannot go in a From header, or None when it can."""
    if not header_safe(sender):
        return "must be one line without control characters"
    probe = EmailMessage(policy=POLICY)
    try:
        probe["From"] = sender
        header = probe["From"]
        addresses = header.addresses
    except (ValueError, IndexError, AttributeError, TypeError):  # the parser fails in many ways on odd input
        return "not a single address such as 'Name <editor@example.org>'"
    if header.defects or len(addresses) != 1 or "." not in addresses[0].domain:
        return "not a single address such as 'Name <editor@example.org>'"
    return None
