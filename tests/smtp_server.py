"""A real SMTP server for the send tests: aiosmtpd on 127.0.0.1 that records what it accepts.

`answers` scripts a recipient's answers to RCPT, one per attempt (None: accept);
`drop` names recipients whose first DATA has the connection cut before the
message is stored; `mail` and `data` answer every MAIL FROM or message.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    def __init__(self, answers: dict[str, list[str | None]] | None = None, drop: set[str] | None = None,
                 keep: bool = True, mail: str | None = None, data: str | None = None, delay: float = 0):
        self.answers = {k: list(v) for k, v in (answers or {}).items()}
        self.mail, self.data = mail, data  # an answer to every MAIL FROM, or to every message
        self.delay = delay  # seconds between storing a message and answering, as a slow relay
        self.drop = set(drop or ())
        self.keep = keep
        self.received: list[tuple[str, bytes]] = []  # (envelope recipient, message)
        self.count = 0
        self.counts: Counter = Counter()  # messages stored, per recipient
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            script = self.answers.get(address)
            answer = script.pop(0) if script else None
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail:
            return self.mail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        if self.data:
            return self.data
        with self.lock:
            if recipient in self.drop:
                self.drop.discard(recipient)
                server.transport.abort()  # cut before the message is stored: the sender must try again
                return "421 gone"
            self.count += 1
            self.counts[recipient] += 1
            if self.keep:
                self.received.append((recipient, envelope.original_content or envelope.content))
        await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def parsed(self):
        return [(r, BytesParser(policy=policy.default).parsebytes(data)) for r, data in self.received]


class Server:
    """`with Server(recorder) as port:` an SMTP server on 127.0.0.1:port while the block runs."""

    def __init__(self, handler: Recorder):
        self.controller = Controller(handler, hostname="127.0.0.1", port=free_port())

    def __enter__(self) -> int:
        self.controller.start()
        return self.controller.port

    def __exit__(self, *exc) -> None:
        self.controller.stop()


if __name__ == "__main__":  # a sink for trying `aireport send` by hand
    import time

    recorder = Recorder(keep=False)
    with Server(recorder) as port:
        print(port, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            print(recorder.count)
