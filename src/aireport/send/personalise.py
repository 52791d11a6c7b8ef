"""Each subscriber's own copy of the published e-mail edition.

The published email.eml is split once; each copy differs from it only in
`To:`, `Message-ID`, the `List-Unsubscribe` URL and the footer's unsubscribe
link in both parts, which carry an HMAC token proving the address. Parts are
re-encoded from bytes (base64), not rebuilt with the email package, so a copy
costs a few string operations and the parts stay byte-equal to the edition's.

The Message-ID is derived from the address, not random: a copy sent again
after a kill carries the same Message-ID, which lets many mail systems drop
the repeat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import os
import re
import secrets
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import formataddr
from urllib.parse import parse_qs

from aireport.errors import AiReportError
from aireport.send.ledger import fold

SECRET_VARIABLE = "AIREPORT_UNSUBSCRIBE_SECRET"
MIN_SECRET = 16
CRLF = b"\r\n"
PLAIN_NAME = 60  # characters of an ASCII name sent as a quoted string, which cannot be folded
WORD_BYTES = 45  # of UTF-8 in one encoded word: 60 in base64, 72 with its markers


def unsubscribe_secret() -> bytes:
    secret = os.environ.get(SECRET_VARIABLE, "")
    if len(secret) < MIN_SECRET:
        raise AiReportError(f"{SECRET_VARIABLE} is {'too short' if secret else 'not set'}: the unsubscribe links "
                            "need a secret of at least 16 characters, the same for `send` and the unsubscribe "
                            "endpoint; make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return secret.encode("utf-8")


def token(secret: bytes, address: str) -> str:
    mac = hmac.new(secret, b"aireport unsubscribe\0" + fold(address).encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:16]).rstrip(b"=").decode("ascii")


def _message_digest(secret: bytes, address: str) -> str:
    """The address's own part of its Message-ID: the same on every send of this edition, and
    different for addresses that differ only in case (those are separate recipients)."""
    mac = hmac.new(secret, b"aireport message-id\0" + address.encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:15]).decode("ascii")


def encode_address(address: str) -> str:
    return base64.urlsafe_b64encode(address.encode("utf-8")).rstrip(b"=").decode("ascii")


def unsubscribe_url(base: str, secret: bytes, address: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}a={encode_address(address)}&t={token(secret, address)}"


def verified_address(query: str, secret: bytes) -> str | None:
    """The address an unsubscribe URL's query names, when its token is right."""
    values = parse_qs(query)
    try:
        given, mac = values["a"][0], values["t"][0]
        address = base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)).decode("utf-8")
    except (KeyError, IndexError, ValueError, UnicodeDecodeError):
        return None
    return address if hmac.compare_digest(token(secret, address), mac) else None


@dataclass(frozen=True)
class MessagePart:
    head: bytes  # everything of the message up to this part's encoded body, and the encoded lines
    before: bytes  # that come before the line with the unsubscribe link; the decoded body from that line
    after: bytes  # up to the link, and after it
    escape: bool  # the link sits in HTML

    @classmethod
    def split(cls, head: bytes, body: bytes, cut: int, link: bytes, escape: bool) -> MessagePart:
        """Base64 encodes 57 bytes to a line, so the lines before the link's are encoded once, here."""
        whole_lines = cut - cut % 57
        return cls(head + _base64(body[:whole_lines]) + (CRLF if whole_lines else b""), body[whole_lines:cut],
                   body[cut + len(link):], escape)


class Personaliser:
    """Copies of one published message, one per subscriber."""

    def __init__(self, published: bytes, unsubscribe_base: str, secret: bytes):
        self.base = unsubscribe_base
        self.secret = secret
        head, body = published.split(CRLF + CRLF, 1)
        self.headers = _headers(head)
        published_id = dict(self.headers).get(b"message-id", b"").decode("ascii", "replace")
        match = re.search(r"<([^@<>]+)@([^@<>]+)>", published_id)
        if match is None:
            raise AiReportError("the published e-mail has no Message-ID; republish it")
        self.id_prefix, self.host = match.groups()  # aireport-YEAR, the site's host
        self.edition = hashlib.sha256(published).hexdigest()[:10]  # a republished edition is a new message
        self.parts, self.tail = _parts(body, unsubscribe_base)

    def message(self, address: str, name: str = "", proof: bool = False) -> bytes:
        """`address`'s copy; a proof copy has a Message-ID of its own, so a mail system that drops
        repeats does not take the real copy for one, nor a second proof."""
        url = unsubscribe_url(self.base, self.secret, address)
        digest = f"proof-{secrets.token_hex(8)}" if proof else _message_digest(self.secret, address)
        head = []
        for key, line in self.headers:
            if key == b"message-id":
                line = f"Message-ID: <{self.id_prefix}-{self.edition}-{digest}@{self.host}>".encode("ascii")
            elif key == b"list-unsubscribe":
                line = line.replace(f"<{self.base}>".encode(), f"<{url}>".encode())
            head.append(line)
            if key == b"from":
                head.append(b"To: " + _to_header(address, name))
        chunks = [CRLF.join(head), CRLF, CRLF]
        for part in self.parts:
            link = (html.escape(url) if part.escape else url).encode("utf-8")
            chunks += [part.head, _base64(part.before + link + part.after)]
        chunks.append(self.tail)
        return b"".join(chunks)


def _to_header(address: str, name: str) -> bytes:
    """The To: value, folded so no line passes 78 characters whatever the name. A short plain
    name is quoted; any other (Chinese, long, or one that looks like an encoded word) is sent
    as encoded words, so a receiver shows it exactly as the list has it."""
    if not name:
        return str(Address(addr_spec=address)).encode("ascii")
    if name.isascii() and name.isprintable() and len(name) <= PLAIN_NAME and "=?" not in name:
        return formataddr((name, address)).encode("ascii")
    return (CRLF + b" ").join([*_encoded_words(name), f"<{address}>".encode("ascii")])


def _encoded_words(text: str) -> list[bytes]:
    """RFC 2047 base64 words of whole characters, each short enough for a line of its own."""
    chunks, chunk = [], b""
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > WORD_BYTES:
            chunks.append(chunk)
            chunk = b""
        chunk += data
    chunks.append(chunk)
    return [b"=?utf-8?b?" + base64.b64encode(chunk) + b"?=" for chunk in chunks]


def _headers(head: bytes) -> list[tuple[bytes, bytes]]:
    """(lower-case name, the whole header with its folded lines), in order."""
    headers: list[tuple[bytes, bytes]] = []
    for line in head.split(CRLF):
        if line[:1] in (b" ", b"\t") and headers:
            key, value = headers[-1]
            headers[-1] = (key, value + CRLF + line)
        else:
            headers.append((line.split(b":", 1)[0].strip().lower(), line))
    if any(key == b"to" for key, _ in headers):
        raise AiReportError("the published e-mail already has a To: header; republish it with this aireport")
    return headers


def _parts(body: bytes, base: str) -> tuple[list[MessagePart], bytes]:
    """The base64 parts of a multipart body, each split around its footer's unsubscribe link."""
    parts, position = [], 0
    for match in re.finditer(rb"Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n(?=\r\n--)",
                             body):
        decoded = base64.b64decode(match.group(1))
        is_html = b"text/html" in body[position:match.start()]
        link = (html.escape(base) if is_html else base).encode("utf-8")
        cut = decoded.rfind(link)
        if cut < 0:
            raise AiReportError(f"the published e-mail has no unsubscribe link to {base} in its "
                                f"{'HTML' if is_html else 'text'} part; republish it")
        parts.append(MessagePart.split(body[position:match.start(1)], decoded, cut, link, is_html))
        position = match.end(1)
    if len(parts) != 2:
        raise AiReportError("the published e-mail is not a text and HTML message; republish it")
    return parts, body[position:]


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF).rstrip(CRLF)
