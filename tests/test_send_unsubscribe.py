"""The one-click unsubscribe endpoint, served by a real WSGI server (wsgiref) on 127.0.0.1."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from aireport.send.unsubscribe import create_app

from smtp_server import Recorder, Server
from test_send import published, send, write_list  # noqa: F401 - the fixture and helpers


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # no access log in the test output
        pass


@pytest.fixture
def endpoint(published):  # noqa: F811
    server = make_server("127.0.0.1", 0, create_app(published), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def request(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_one_click_post_suppresses_the_address_and_the_next_send_skips_it(published, cli, endpoint):  # noqa: F811
    listing = write_list(published / "l.csv", ["ann@example.org", "bob@example.org"])
    recorder = Recorder()
    with Server(recorder) as port:
        assert send(cli, port, "--list", str(listing)).exit_code == 0
    message = BytesParser(policy=policy.default).parsebytes(
        next(data for recipient, data in recorder.received if recipient == "ann@example.org"))
    (link,) = re.findall(r"<(https://[^>]+)>", message["List-Unsubscribe"])
    local = endpoint + urlsplit(link).path.removeprefix("/ai") + "?" + urlsplit(link).query

    status, page = request(local)  # what a link checker or a reader's click does: nothing yet
    assert status == 200 and '<form method="post">' in page and "确认退订" in page and "ann@example.org" in page
    assert "suppressed addresses: 0" in cli("sends").output

    status, page = request(local, b"List-Unsubscribe=One-Click")  # RFC 8058, as a mail client posts it
    assert status == 200 and "已退订" in page
    assert "suppressed addresses: 1" in cli("sends").output
    assert cli("suppress", "ann@example.org").output == "ann@example.org: already suppressed\n"

    with Server(recorder) as port:
        result = cli("send", "2020", "--list", str(listing), "--dry-run",
                     "--smtp", f"127.0.0.1:{port}")
    assert result.stdout == "" and "1 address suppressed, skipped" in result.stderr


@pytest.mark.parametrize("query", ["", "a=YW5uQGV4YW1wbGUub3Jn&t=AAAAAAAAAAAAAAAAAAAAAA", "a=%%%&t=x"])
def test_a_bad_token_is_400_and_suppresses_nobody(cli, endpoint, query):
    for data in (None, b"List-Unsubscribe=One-Click"):
        status, page = request(f"{endpoint}/unsubscribe?{query}", data)
        assert status == 400 and "退订链接无效" in page
    assert "suppressed addresses: 0" in cli("sends").output or "nothing sent yet" in cli("sends").output
