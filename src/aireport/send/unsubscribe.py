"""The one-click unsubscribe endpoint: a small WSGI application.

    GET  URL?a=…&t=…   a page that asks to confirm (link checkers and previews
                       open links, so a GET never unsubscribes anyone)
    POST URL?a=…&t=…   RFC 8058 one-click (mail clients post
                       `List-Unsubscribe=One-Click`), or the confirm button:
                       records the address as suppressed in the send ledger

A wrong or missing token is 400. Run it in the project folder, with the same
AIREPORT_UNSUBSCRIBE_SECRET as `aireport send`, behind the site's web server
at the URL of `unsubscribe_url` (default SITE/unsubscribe):

    gunicorn -b 127.0.0.1:8025 'aireport.send.unsubscribe:create_app()'
    python -m aireport.send.unsubscribe --port 8025   # the standard library's wsgiref
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from aireport.errors import AiReportError
from aireport.send.ledger import Ledger, ledger_path
from aireport.send.personalise import unsubscribe_secret, verified_address

MAX_BODY = 4096
REQUEST_TIMEOUT = 10  # seconds a client may take to send its request
PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:4em auto;padding:0 1em;line-height:1.7;color:#1d232b}}
button{{font-size:1em;padding:.5em 1.4em;border:0;border-radius:6px;background:#b3111e;color:#fff}}</style>
</head><body><h1>{title}</h1>{body}</body></html>
"""


class Unsubscribe:
    def __init__(self, ledger: Path, secret: bytes, list_title: str):
        self.ledger, self.secret, self.list_title = ledger, secret, list_title

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD", "POST"):
            return self._page(start_response, "405 Method Not Allowed", "退订", "<p>请用邮件里的退订链接。</p>",
                              [("Allow", "GET, HEAD, POST")])
        address = verified_address(environ.get("QUERY_STRING", ""), self.secret)
        if address is None:
            return self._page(start_response, "400 Bad Request", "退订链接无效",
                              "<p>这个退订链接不完整或已被改动。请使用邮件页脚的退订链接，或直接回复邮件要求退订。</p>")
        shown = html.escape(address)
        if method == "POST":
            _read_body(environ)
            ledger = Ledger(self.ledger)
            try:
                ledger.suppress(address, "unsubscribe link")
            finally:
                ledger.close()
            return self._page(start_response, "200 OK", "已退订",
                              f"<p>{shown} 已退订《{html.escape(self.list_title)}》，今后不会再收到邮件。</p>")
        return self._page(start_response, "200 OK", "确认退订",
                          f"<p>退订《{html.escape(self.list_title)}》后，{shown} 将不再收到邮件。</p>"
                          '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
                          '<button type="submit">确认退订</button></form>')

    def _page(self, start_response: Callable, status: str, title: str, body: str,
              headers: list[tuple[str, str]] | None = None) -> list[bytes]:
        data = PAGE.format(title=title, body=body).encode("utf-8")
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                                ("Cache-Control", "no-store"), *(headers or [])])
        return [data]


def _read_body(environ: dict) -> bytes:
    """The POST body is `List-Unsubscribe=One-Click`; read it (bounded) so the connection stays sound."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def create_app(root: Path | None = None) -> Unsubscribe:
    """The endpoint for the project at or above `root` (the working folder by default)."""
    from aireport.project import open_project

    config = open_project(root or Path.cwd()).config
    return Unsubscribe(ledger_path(config), unsubscribe_secret(), config.title)


@click.command(name="python -m aireport.send.unsubscribe")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep it local and pass the unsubscribe URL to it from the site's server.")
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True, metavar="PORT",
              help="Port to listen on.")
def main(host: str, port: int) -> None:
    """Serve the unsubscribe endpoint (wsgiref) for the project in the working folder, with the
    ledger and AIREPORT_UNSUBSCRIBE_SECRET that `aireport send` uses. Ctrl-C stops it."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Threading(ThreadingMixIn, WSGIServer):  # one slow client must not hold up the others
        daemon_threads = True

    class Handler(WSGIRequestHandler):
        timeout = REQUEST_TIMEOUT

    app = create_app()
    try:
        server = make_server(host, port, app, server_class=Threading, handler_class=Handler)
    except OSError as exc:
        raise AiReportError(f"{host}:{port}: cannot listen: {exc.strerror or exc}; choose another --port "
                            "or --host") from None
    with server:
        click.echo(f"unsubscribe endpoint on http://{host}:{port}/", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
