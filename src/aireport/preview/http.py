"""The HTTP side of `aireport serve`: the build folder on 127.0.0.1 (or --host), plus live reload.

HTML responses get a small script that long-polls the reload endpoint and
reloads the page when a newer build is ready; the files on disk stay exactly
what `publish` writes.
"""

from __future__ import annotations

import http.server
import json
import mimetypes
import ipaddress
import re
import socket
import sys
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ANY_ADDRESS = ("0.0.0.0", "::", "")
BUILDING_PAGE = b"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>aireport serve</title>" \
                b"<body><p>aireport serve: building the first preview; this page reloads when it is ready.</p></body></html>"
RELOAD_PATH = "/__aireport__/version"
LOCAL_NAMES = ("localhost",)  # besides addresses and the name given with --host
MAX_PATH = 2048  # longer request paths get 414: no file the build writes has a name near it
SINCE = re.compile(r"-?[0-9]{1,18}")

# Polls with the last build attempt it saw; the server answers when a newer one
# finishes (or after a while, to keep proxies and sleeping laptops happy).
# A newer good build reloads the page; a failed one shows its error on top.
RELOAD_SCRIPT = """<script>/* aireport serve: live reload */
(function () {
  var shown = %d, attempt = -1, banner = null;
  function report(errors) {
    if (!errors.length) { if (banner) { banner.remove(); banner = null; } return; }
    if (!banner) {
      banner = document.createElement("pre");
      banner.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;margin:0;" +
        "padding:8px 12px;background:#b00020;color:#fff;font:13px/1.4 monospace;white-space:pre-wrap";
      document.body.appendChild(banner);
    }
    banner.textContent = errors.join("\\n") + "\\n(aireport serve: the last good build is shown)";
  }
  function poll() {
    fetch("%s?since=" + attempt, {cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.version !== shown) { location.reload(); return; }
        attempt = state.attempt;
        report(state.errors);
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""


class Builds(Protocol):
    """What the server asks of the build side (serve.Preview)."""

    version: int
    attempt: int

    def state(self, since: int | None) -> dict: ...

    def prepare(self, path: str) -> str | None: ...


def inject_reload(html: bytes, version: int) -> bytes:
    """The page with the reload script before its closing </body> (or at its end)."""
    script = (RELOAD_SCRIPT % (version, RELOAD_PATH)).encode("utf-8")
    end = html.lower().rfind(b"</body>")
    if end < 0:
        return html + script
    return html[:end] + script + html[end:]


def content_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed.endswith(("/xml", "/json")):
        return f"{guessed}; charset=utf-8"  # every text edition is UTF-8 (and mostly Chinese)
    return guessed


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a page's pending long poll must not hold up Ctrl-C

    def __init__(self, port: int, host: str = HOST) -> None:
        self.folder = Path()  # the build folder and its builder, set before serving starts
        self.preview: Builds | None = None
        self.host = host
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), PreviewHandler)

    @property
    def url(self) -> str:
        host = reachable_address() if self.host in ANY_ADDRESS else self.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.server_address[1]}"

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a closed tab is not an error
            super().handle_error(request, client_address)


def reachable_address() -> str:
    """This computer's address on its network, for a server listening on every address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent, only a route chosen
            return probe.getsockname()[0]
        except OSError:
            return HOST


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    server: PreviewServer

    def __init__(self, request, client_address, server: PreviewServer) -> None:
        super().__init__(request, client_address, server, directory=str(server.folder))

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args) -> None:
        """Requests are not logged: the console is for builds and their errors."""

    def _answer(self, with_body: bool) -> None:
        if not self._host_allowed():
            return self._send(421, "text/plain; charset=utf-8", b"misdirected request: this preview answers "
                              b"only to localhost or an address of this machine, with its port\n", with_body)
        if len(self.path) > MAX_PATH:
            return self._send(414, "text/plain; charset=utf-8", b"path too long\n", with_body)
        try:
            self._answer_path(urlsplit(self.path), with_body)
        except (OSError, ValueError):  # a name the file system refuses (NUL, too long): nothing to serve
            self._send(404, "text/plain; charset=utf-8", b"not found\n", with_body)

    def _host_allowed(self) -> bool:
        """Only this machine's names and addresses, with the right port: a page elsewhere whose own
        name resolves to this machine (DNS rebinding) would otherwise read the preview."""
        host, _, port = self.headers.get("Host", "").strip().lower().rpartition(":")
        if port != str(self.server.server_address[1]):
            return False
        bracketed = host.startswith("[") and host.endswith("]")
        name = host[1:-1] if bracketed else host
        if bracketed != (":" in name):  # brackets hold an IPv6 address, and only one
            return False
        if name in LOCAL_NAMES or name == self.server.host.lower():
            return True
        try:
            address = ipaddress.ip_address(name)  # an address, not a name: nothing to rebind
        except ValueError:
            return False
        exposed = self.server.host not in LOOPBACK  # --host: the network may use this machine's addresses
        return address.is_loopback or exposed

    def _answer_path(self, url, with_body: bool) -> None:
        preview = self.server.preview
        if url.path == RELOAD_PATH:
            since = parse_qs(url.query, max_num_fields=8).get("since", [""])[0]
            state = preview.state(int(since) if SINCE.fullmatch(since) else None)
            return self._send(200, "application/json", json.dumps(state).encode("utf-8"), with_body)
        path = Path(self.translate_path(url.path))
        if path.is_dir() and not url.path.endswith("/"):
            return self._redirect(url.path + "/")
        if path.is_dir():
            path = path / "index.html"
        if error := preview.prepare(url.path.lstrip("/")):
            return self._send(500, "text/plain; charset=utf-8", f"{error}\n".encode("utf-8"), with_body)
        version = preview.version  # read before the file: a build finishing meanwhile reloads the page again
        if not self._servable(path) and preview.attempt == 0 and path.suffix in ("", ".html"):
            return self._send(503, "text/html; charset=utf-8", inject_reload(BUILDING_PAGE, version), with_body)
        if not self._servable(path):
            return self._send(404, "text/plain; charset=utf-8", b"not found\n", with_body)
        data, kind = path.read_bytes(), content_type(path)
        if kind.startswith("text/html"):
            data = inject_reload(data, version)
        self._send(200, kind, data, with_body)

    def _servable(self, path: Path) -> bool:
        """A built file; the lock and half-written temporaries are hidden."""
        inside = path.relative_to(self.server.folder) if path.is_relative_to(self.server.folder) else None
        return inside is not None and path.is_file() and not any(p.startswith(".") for p in inside.parts)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, kind: str, data: bytes, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        self.end_headers()
        if with_body:
            self.wfile.write(data)
