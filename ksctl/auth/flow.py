"""The authorization-code flow from ksctl's side: URL, loopback callback, exchange, store.

    urls = start(...)             # one authorization URL per account, each with its state
    results = await finish(...)   # the callback server hands over codes; tokens are stored

`state` is `ACCOUNT.NONCE` (a nonce of 128 bits per account and run): the callback accepts
only a state this run issued, once, compared in constant time, so a code delivered with a
forged or replayed state (CSRF) is refused before anything is exchanged. The callback
server binds to loopback only and stops when every account is done or the time is up.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import queue
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from ksctl.auth.store import TokenStore
from ksctl.auth.tokens import grant_from
from ksctl.errors import KsctlError
from ksctl.platform.client import PlatformClient
from ksctl.platform.errors import PlatformError
from ksctl.platform.redact import Secret

CALLBACK_PATH = "/callback"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# The modelled account-management API's scope, and the real user's basic one.
DEFAULT_SCOPES = ("user_base", "user_account_manage")
REPLY_SECONDS = 30.0


class LoginError(KsctlError):
    pass


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` (PORT 0: any free port); only loopback addresses are accepted."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise LoginError(f"--listen {value}: expected HOST:PORT, e.g. 127.0.0.1:8765")
    if host not in LOOPBACK:
        raise LoginError(
            f"--listen {value}: the callback binds to loopback only (127.0.0.1, ::1, localhost)"
        )
    return ("127.0.0.1" if host == "localhost" else host), int(port)


@dataclass
class Pending:
    account_id: str
    state: str
    url: str


@dataclass
class Result:
    account_id: str
    ok: bool
    message: str


@dataclass
class _Delivery:
    """One callback request, handed from the server's thread to the flow."""

    account_id: str
    code: Secret | None
    error: str | None
    done: threading.Event = field(default_factory=threading.Event)
    page: str = ""


def authorize_url(
    base_url: str, app_id: str, scopes: tuple[str, ...], redirect_uri: str, state: str
) -> str:
    query = {
        "app_id": app_id,
        "response_type": "code",
        "scope": ",".join(scopes),
        "redirect_uri": redirect_uri,
        "state": state,
        "ua": "pc",
    }
    return f"{base_url.rstrip('/')}/oauth2/authorize?{urlencode(query)}"


class Callback:
    """The one-shot loopback server: accepts each issued state once, nothing else."""

    def __init__(self, host: str, port: int) -> None:
        self.deliveries: queue.Queue[_Delivery] = queue.Queue()
        self._states: dict[str, str] = {}  # state -> account
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, page = outer._handle(self.path)
                body = page.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # the URL holds the code
                pass

        try:
            self.server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise LoginError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        host, port = self.server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}{CALLBACK_PATH}"

    def expect(self, state: str, account_id: str) -> None:
        with self._lock:
            self._states[state] = account_id

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _take(self, state: str) -> str | None:
        # Constant-time over every issued state; a state is good for one delivery.
        with self._lock:
            match = None
            for issued, account in self._states.items():
                if hmac.compare_digest(issued.encode(), state.encode()):
                    match = (issued, account)
            if match is None:
                return None
            del self._states[match[0]]
            return match[1]

    def _handle(self, path: str) -> tuple[int, str]:
        parts = urlsplit(path)
        if parts.path != CALLBACK_PATH:
            return 404, _page("Not found", "This address only takes the authorization callback.")
        query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
        account = self._take(query.get("state", ""))
        if account is None:
            return 400, _page(
                "Refused",
                "Unknown or already used state: this answer was not asked for by this ksctl "
                "auth login (nothing was exchanged).",
            )
        code = query.get("code")
        delivery = _Delivery(
            account, Secret(code) if code else None, query.get("error") or (None if code else "")
        )
        self.deliveries.put(delivery)
        if not delivery.done.wait(REPLY_SECONDS):
            return 504, _page("Timed out", "ksctl did not finish in time; see its output.")
        return 200, delivery.page


def _page(title: str, text: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body><h1 id='title'>{html.escape(title)}"
        f"</h1><p id='message'>{html.escape(text)}</p></body></html>"
    )


def start(
    callback: Callback, base_url: str, app_id: str, accounts: list[str], scopes: tuple[str, ...]
) -> list[Pending]:
    """One authorization URL per account, each with a fresh state the callback expects."""
    pending = []
    for account in accounts:
        state = f"{account}.{secrets.token_urlsafe(16)}"
        callback.expect(state, account)
        url = authorize_url(base_url, app_id, scopes, callback.redirect_uri, state)
        pending.append(Pending(account, state, url))
    return pending


async def finish(
    callback: Callback,
    client: PlatformClient,
    store: TokenStore,
    scope: str,
    pending: list[Pending],
    timeout: float,
    echo: Callable[[Result], None],
) -> list[Result]:
    """Wait for each account's callback (until `timeout` seconds), exchange, store."""
    waiting = {p.account_id for p in pending}
    results: list[Result] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while waiting:
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            delivery = await asyncio.to_thread(callback.deliveries.get, True, min(left, 0.5))
        except queue.Empty:
            continue
        result = await _exchange(delivery, client, store, scope)
        delivery.page = _page(
            "Authorized" if result.ok else "Not authorized",
            f"{result.message}. You can close this page.",
        )
        delivery.done.set()
        waiting.discard(delivery.account_id)
        results.append(result)
        echo(result)
    for account in sorted(waiting):
        result = Result(
            account,
            False,
            f"timed out after {timeout:.0f} s waiting for its authorization: "
            f"run `ksctl auth login {account}` again",
        )
        results.append(result)
        echo(result)
    return results


async def _exchange(
    delivery: _Delivery, client: PlatformClient, store: TokenStore, scope: str
) -> Result:
    account = delivery.account_id
    if delivery.code is None:
        what = "denied" if delivery.error == "access_denied" else "not given"
        return Result(
            account,
            False,
            f"the account holder {what} the authorization: run `ksctl auth login {account}` "
            "again once they agree",
        )
    try:
        answer = await client.exchange_code(delivery.code)
    except PlatformError as err:
        return Result(account, False, f"the code exchange failed: {err}")
    now = client.platform_now()
    prior = store.get(scope, account)
    grant = grant_from(account, answer, now, prior.revision if prior else 0)
    store.put(scope, grant)
    return Result(
        account,
        True,
        f"authorized {account} (open_id {answer.open_id}, scopes {', '.join(answer.scopes)})",
    )
