"""DKIM signatures (dkimpy), when [tool.aireport.smtp] names a key.

The signature covers the headers a receiver must trust, including RFC 8058's
List-Unsubscribe and List-Unsubscribe-Post, and the whole body.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path

from aireport.config import Config
from aireport.errors import AiReportError, display_path

MIN_KEY_BITS = 1024  # RFC 8301: verifiers must not accept smaller RSA keys
SIGNED_HEADERS = (b"From", b"To", b"Subject", b"Date", b"Message-ID", b"List-Id", b"List-Unsubscribe",
                  b"List-Unsubscribe-Post", b"MIME-Version", b"Content-Type")


class Signer:
    def __init__(self, key: bytes, selector: str, domain: str):
        self.key, self.selector, self.domain = key, selector.encode(), domain.encode()

    def sign(self, message: bytes) -> bytes:
        import dkim

        signature = dkim.sign(message, self.selector, self.domain, self.key, include_headers=list(SIGNED_HEADERS),
                              canonicalize=(b"relaxed", b"relaxed"))
        return signature + message


def signer(config: Config) -> Signer | None:
    smtp = config.smtp
    if smtp.dkim_key is None:
        return None
    path = config.root / smtp.dkim_key
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise AiReportError(f"{display_path(path)}: cannot read the DKIM key (dkim_key in "
                            f"[tool.aireport.smtp]): {exc.strerror}") from None
    block = re.search(rb"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", key, re.S)
    key = block.group(0) + b"\n" if block else key  # a file may hold the certificate too
    _check_key(key, display_path(path))
    domain = smtp.dkim_domain or parseaddr(config.sender)[1].rpartition("@")[2]
    return Signer(key, smtp.dkim_selector or "", domain)


def _check_key(key: bytes, where: str) -> None:
    """One line before anything is sent, not a failure at the first message: the key must be an
    unencrypted RSA key that receivers accept."""
    from dkim.crypto import parse_pem_private_key

    fix = "make one with `openssl genrsa -out dkim.pem 2048` (dkim_key in [tool.aireport.smtp])"
    try:
        modulus = parse_pem_private_key(key)["modulus"]
    except Exception:  # noqa: BLE001 - dkimpy raises several kinds for a key it cannot read
        raise AiReportError(f"{where}: not an unencrypted RSA private key in PEM form; {fix}") from None
    if modulus.bit_length() < MIN_KEY_BITS:
        raise AiReportError(f"{where}: a {modulus.bit_length()}-bit key, which receivers reject (they need "
                            f"{MIN_KEY_BITS} bits or more); {fix}")
