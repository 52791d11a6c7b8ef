"""A complete multipart/alternative message (plain text, then HTML), as bytes.

Both parts are UTF-8 in base64: quoted-printable nearly doubles Chinese text,
and 8bit would need every line under 998 bytes, which inlined HTML does not
promise. base64 keeps the whole message 7-bit clean with short lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

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


def sender_problem(sender: str) -> str | None:
    """Why `sender` cannot go in a From header, or None when it can."""
    probe = EmailMessage(policy=POLICY)
    try:
        probe["From"] = sender
    except (ValueError, IndexError) as exc:
        return str(exc)
    header = probe["From"]
    addresses = header.addresses
    if header.defects or len(addresses) != 1 or "." not in addresses[0].domain:
        return "not a single address such as 'Name <editor@example.org>'"
    return None
