"""A hostile platform endpoint on loopback: the tests' own small HTTP server.

It speaks just enough of the API for `plan` and `apply` to reach the part under attack
(a token, one account, the quota), and answers the path under attack the way a broken or
malicious server would: an endless body, a drip of one byte every few tenths of a second,
a download longer than its listing, a cursor that comes back. Every answer it streams is
bounded in time and size, so a client that fails to stop cannot hang the suite.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.platform.fakes import account_json

ACCOUNT = "3xk9d2a1"
REPLAY_BYTES = b"\x00\x01replay" * 1000  # 8,000 bytes
REPLAY = {
    "id": "r1",
    "title": "秋冬上新",
    "recorded_at": "2026-11-01T20:00:00+08:00",
    "size_bytes": len(REPLAY_BYTES),
    "sha256": hashlib.sha256(REPLAY_BYTES).hexdigest(),
    "online": True,
}
QUOTA = {
    "per_day": 100,
    "used": 0,
    "remaining": 100,
    "resets_at": "2026-11-26T00:00:00+08:00",
}

# (handler, query) -> None: the behaviour writes the whole answer itself.
Behaviour = Callable[["Handler", dict[str, str]], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.hits.append(url.path)
        behaviour = self.server.routes.get(url.path) or _DEFAULTS.get(url.path)
        if behaviour is None:
            self.json(404, {"result": 410001, "error_msg": f"no route {url.path}"})
        else:
            behaviour(self, query)

    # ---- ways to answer ---------------------------------------------------------------

    def json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def chunks(self, pieces: Iterator[bytes], headers: dict[str, str], pause: float = 0.0) -> None:
        """A chunked 200 answer of `pieces`, until they end, the client goes or time is up."""
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        stop = time.monotonic() + self.server.max_seconds
        try:
            for piece in pieces:
                if (
                    time.monotonic() > stop
                    or self.server.sent > self.server.max_bytes
                    or self.server.closing.is_set()
                ):
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                self.server.sent += len(piece)
                if pause:
                    time.sleep(pause)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a bounded client does
        self.close_connection = True


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Behaviour], max_seconds: float, max_bytes: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.hits: list[str] = []
        self.sent = 0  # bytes of streamed bodies written
        self.closing = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up on an endless answer is the point, not a failure

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def hostile(
    routes: dict[str, Behaviour], *, max_seconds: float = 20.0, max_bytes: int = 256 << 20
) -> Iterator[HostileServer]:
    """The server on a free loopback port, in a thread, shut down on exit. An endless
    answer ends after `max_seconds` or `max_bytes` (so a client that fails to stop fails
    its test instead of exhausting the machine)."""
    server = HostileServer(routes, max_seconds, max_bytes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def env(url: str, **settings: str) -> dict[str, str]:
    return {
        "KSCTL_ENDPOINT": url,
        "KSCTL_APP_ID": "demo_app",
        "KSCTL_APP_SECRET": "demo_secret",
        **settings,
    }


# ---- the sane part of the API ---------------------------------------------------------


def the_account(**over: Any) -> dict[str, Any]:
    return account_json(ACCOUNT, replays=[REPLAY], **over)


def token(h: Handler, q: dict[str, str]) -> None:
    h.json(200, {"result": 1, "access_token": "tok-hostile-0001", "expires_in": 172800})


def accounts(h: Handler, q: dict[str, str]) -> None:
    h.json(200, {"result": 1, "accounts": [the_account()], "next_cursor": None, "missing": []})


def quota(h: Handler, q: dict[str, str]) -> None:
    h.json(200, {"result": 1, "quota": QUOTA})


_DEFAULTS: dict[str, Behaviour] = {
    "/oauth2/access_token": token,
    "/openapi/accounts": accounts,
    "/openapi/quota": quota,
}

CONTENT = f"/openapi/accounts/{ACCOUNT}/replays/r1/content"


# ---- the hostile part -----------------------------------------------------------------


def endless_json(h: Handler, q: dict[str, str]) -> None:
    """`{"result": 1, "pad": "xxxx…` forever (chunked, so no length warns the client)."""

    def pieces() -> Iterator[bytes]:
        yield b'{"result": 1, "accounts": [], "pad": "'
        block = b"x" * 65536
        while True:
            yield block

    h.chunks(pieces(), {"Content-Type": "application/json"})


def drip_json(pause: float) -> Behaviour:
    """A valid answer, one byte every `pause` seconds: each chunk arrives well in time."""

    def behaviour(h: Handler, q: dict[str, str]) -> None:
        body = json.dumps({"result": 1, "quota": QUOTA, "pad": " " * 4096}).encode()
        h.chunks((body[i : i + 1] for i in range(len(body))), {}, pause=pause)

    return behaviour


def looping_cursor(h: Handler, q: dict[str, str]) -> None:
    """Every page of the account list says there is another page, at the same cursor."""
    h.json(200, {"result": 1, "accounts": [the_account()], "next_cursor": "c1", "missing": []})


def endless_content(h: Handler, q: dict[str, str]) -> None:
    """The replay's real bytes, then more bytes forever (no Content-Length)."""

    def pieces() -> Iterator[bytes]:
        yield REPLAY_BYTES
        block = b"\xff" * 65536
        while True:
            yield block

    h.chunks(pieces(), {"X-Content-SHA256": str(REPLAY["sha256"])})


def drip_content(pause: float) -> Behaviour:
    """The replay, one byte every `pause` seconds."""

    def behaviour(h: Handler, q: dict[str, str]) -> None:
        pieces = (REPLAY_BYTES[i : i + 1] for i in range(len(REPLAY_BYTES)))
        h.chunks(pieces, {"X-Content-SHA256": str(REPLAY["sha256"])}, pause=pause)

    return behaviour


def content(h: Handler, q: dict[str, str]) -> None:
    """The replay, whole and honest, from the byte a Range asks for."""
    start = int((h.headers.get("Range") or "bytes=0-").removeprefix("bytes=").rstrip("-") or 0)
    total = len(REPLAY_BYTES)
    h.send_response(206 if start else 200)
    if start:
        h.send_header("Content-Range", f"bytes {start}-{total - 1}/{total}")
    h.send_header("Content-Length", str(total - start))
    h.send_header("X-Content-SHA256", str(REPLAY["sha256"]))
    h.end_headers()
    h.wfile.write(REPLAY_BYTES[start:])
