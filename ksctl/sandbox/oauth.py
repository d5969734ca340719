"""The authorization-code flow of the open platform, on the virtual clock (DESIGN §4).

- `GET /oauth2/authorize?app_id&response_type=code&scope&redirect_uri&state`: the consent
  page, where the account holder (any account of the world: the sandbox has no passwords)
  approves or denies; `POST` of its form redirects to `redirect_uri` with `code` and
  `state`, or with `error=access_denied` and `state`.
- `GET /oauth2/access_token?...&code&grant_type=authorization_code`: a code (single use,
  `oauth.code_expires_in` seconds) for an access token and a refresh token.
- `GET /oauth2/refresh_token?...&refresh_token&grant_type=refresh_token`: a new pair; the
  refresh token used dies (rotation), so a stale copy of it is refused.
- `revoke`: the account holder cancelling the app's authorization in the app: its tokens
  answer 100200109 from then on, and the app's modelled app-wide grant for the account
  goes too.

Only digests of codes and tokens are stored; none appears in a message or a log.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import html
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from ksctl.contract import codes
from ksctl.contract.wire import OAuthTokenAnswer
from ksctl.sandbox.access import AppGrant, denial_code, load_app
from ksctl.sandbox.clock import to_epoch
from ksctl.sandbox.refusal import Refusal
from ksctl.sandbox.seeding import secret_digest
from ksctl.sandbox.world import OAuthSettings

# The user scopes the real platform documents; the modelled account-management API
# needs `user_account_manage` (no public counterpart).
SCOPES = (
    "user_base",
    "user_info",
    "user_video_info",
    "user_video_publish",
    "user_video_delete",
    "user_video_live",
    "user_account_manage",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def open_id_of(app_id: str, account_id: str) -> str:
    """A stable per-app id of the user, as the platform gives one (not the account id)."""
    return "ou_" + hashlib.sha256(f"{app_id}\0{account_id}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class AuthorizeRequest:
    app_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    state: str


def check_authorize(
    conn: sqlite3.Connection,
    app_id: str | None,
    response_type: str | None,
    scope: str | None,
    redirect_uri: str | None,
    state: str | None,
) -> AuthorizeRequest:
    """The authorize parameters, or the refusal the page shows instead of a consent."""
    if not app_id or load_app(conn, app_id) is None:
        raise Refusal(codes.INVALID_CREDENTIALS, "unknown app_id")
    if response_type != "code":
        raise Refusal(codes.RESPONSE_TYPE_INVALID, "response_type must be code")
    scopes = tuple(s for s in (scope or "").replace(" ", ",").split(",") if s)
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise Refusal(
            codes.SCOPE_INVALID,
            f"unknown scope {', '.join(unknown)}" if unknown else "scope is required",
        )
    parts = urlsplit(redirect_uri or "")
    # The real platform checks the app's registered domain; the sandbox accepts loopback.
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        raise Refusal(codes.BAD_PARAMETER, "redirect_uri must be an http loopback URL")
    if not state:
        raise Refusal(codes.BAD_PARAMETER, "state is required")
    return AuthorizeRequest(app_id, scopes, redirect_uri or "", state)


def _hinted(state: str, accounts: list[str]) -> str | None:
    # ksctl's state is ACCOUNT.NONCE: preselect that account (a sandbox convenience; the
    # state stays opaque to the platform's checks).
    head = state.split(".", 1)[0]
    return head if head in accounts else None


def consent_page(conn: sqlite3.Connection, request: AuthorizeRequest) -> str:
    """The consent page: log in as an account of the world, approve or deny."""
    ids = [r["id"] for r in conn.execute("SELECT id FROM accounts ORDER BY seq")]
    names = {r["id"]: r["name"] for r in conn.execute("SELECT id, name FROM accounts")}
    hint = _hinted(request.state, ids)
    options = "".join(
        f'<option value="{html.escape(i)}"{" selected" if i == hint else ""}>'
        f"{html.escape(i)} {html.escape(names.get(i) or '')}</option>"
        for i in ids
    )
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
        for k, v in (
            ("app_id", request.app_id),
            ("response_type", "code"),
            ("scope", ",".join(request.scopes)),
            ("redirect_uri", request.redirect_uri),
            ("state", request.state),
        )
    )
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in request.scopes)
    return (
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
        "<title>授权 · ksctl sandbox</title></head><body>"
        f"<h1>授权 {html.escape(request.app_id)}</h1>"
        "<p>The app asks to act on your account with these scopes:</p>"
        f"<ul id='scopes'>{scopes}</ul>"
        "<form method='post' action='/oauth2/authorize'>"
        f"{hidden}<label>Log in as <select id='account' name='account'>{options}</select>"
        "</label> "
        "<button id='approve' name='decision' value='approve' type='submit'>同意授权</button> "
        "<button id='deny' name='decision' value='deny' type='submit'>拒绝</button>"
        "</form></body></html>"
    )


def decide(
    conn: sqlite3.Connection,
    request: AuthorizeRequest,
    account_id: str | None,
    approve: bool,
    now: datetime,
    settings: OAuthSettings,
) -> str:
    """The account holder's answer: the redirect URL, with a code or with the denial."""
    sep = "&" if urlsplit(request.redirect_uri).query else "?"
    if not approve:
        query = {"error": "access_denied", "error_code": str(codes.AUTHORIZATION_CANCELLED)}
        return request.redirect_uri + sep + urlencode({**query, "state": request.state})
    row = conn.execute("SELECT id FROM accounts WHERE id = ?", (account_id or "",)).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, "log in as an account of the world")
    code = "kac_" + secrets.token_urlsafe(24)
    conn.execute(
        "INSERT INTO oauth_codes(code_sha256, app_id, account_id, redirect_uri, scopes, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            _digest(code),
            request.app_id,
            row["id"],
            request.redirect_uri,
            json.dumps(request.scopes),
            to_epoch(now + timedelta(seconds=settings.code_expires_in)),
        ),
    )
    return request.redirect_uri + sep + urlencode({"code": code, "state": request.state})


def _check_app(conn: sqlite3.Connection, app_id: str | None, secret: str | None) -> str:
    row = conn.execute(
        "SELECT secret_sha256 FROM apps WHERE app_id = ?", (app_id or "",)
    ).fetchone()
    if (
        row is None
        or secret is None
        or not hmac.compare_digest(row["secret_sha256"], secret_digest(secret))
    ):
        raise Refusal(codes.INVALID_CREDENTIALS, "unknown app_id or wrong app_secret")
    return str(app_id)


def _issue(
    conn: sqlite3.Connection,
    app_id: str,
    account_id: str,
    scopes: list[str],
    now: datetime,
    settings: OAuthSettings,
) -> OAuthTokenAnswer:
    access = "kat_" + secrets.token_urlsafe(32)
    refresh = "krt_" + secrets.token_urlsafe(32)
    epoch = to_epoch(now)
    conn.executemany(
        "INSERT INTO user_tokens(token_sha256, kind, app_id, account_id, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (_digest(access), "access", app_id, account_id, epoch + settings.access_expires_in),
            (_digest(refresh), "refresh", app_id, account_id, epoch + settings.refresh_expires_in),
        ],
    )
    return OAuthTokenAnswer(
        access_token=access,
        expires_in=settings.access_expires_in,
        refresh_token=refresh,
        refresh_token_expires_in=settings.refresh_expires_in,
        open_id=open_id_of(app_id, account_id),
        scopes=scopes,
    )


def exchange_code(
    conn: sqlite3.Connection,
    app_id: str | None,
    secret: str | None,
    code: str | None,
    now: datetime,
    settings: OAuthSettings,
) -> OAuthTokenAnswer:
    """A code for tokens; the code is spent whatever the outcome after it was found."""
    app = _check_app(conn, app_id, secret)
    row = conn.execute(
        "SELECT * FROM oauth_codes WHERE code_sha256 = ?", (_digest(code or ""),)
    ).fetchone()
    if row is None or row["app_id"] != app or row["used"]:
        raise Refusal(codes.CODE_INVALID, "unknown or already used authorization code")
    if row["expires_at"] <= to_epoch(now):
        raise Refusal(codes.CODE_INVALID, "the authorization code expired (about 2 minutes)")
    conn.execute("UPDATE oauth_codes SET used = 1 WHERE code_sha256 = ?", (row["code_sha256"],))
    scopes = json.loads(row["scopes"])
    account = row["account_id"]
    conn.execute(
        "INSERT OR REPLACE INTO oauth_grants(app_id, account_id, open_id, scopes, status, "
        "granted_at) VALUES (?, ?, ?, ?, 'active', ?)",
        (app, account, open_id_of(app, account), json.dumps(scopes), to_epoch(now)),
    )
    return _issue(conn, app, account, scopes, now, settings)


def refresh(
    conn: sqlite3.Connection,
    app_id: str | None,
    secret: str | None,
    refresh_token: str | None,
    now: datetime,
    settings: OAuthSettings,
) -> OAuthTokenAnswer:
    """A refresh token for a new pair; the one used is spent (rotation)."""
    app = _check_app(conn, app_id, secret)
    row = conn.execute(
        "SELECT * FROM user_tokens WHERE token_sha256 = ? AND kind = 'refresh'",
        (_digest(refresh_token or ""),),
    ).fetchone()
    if row is None or row["app_id"] != app or row["used"]:
        raise Refusal(codes.INVALID_TOKEN, "unknown or already used refresh token")
    grant = _grant(conn, app, row["account_id"])
    if grant is None or grant["status"] != "active":
        raise Refusal(
            codes.AUTHORIZATION_CANCELLED, "the account holder cancelled the authorization"
        )
    if row["expires_at"] <= to_epoch(now):
        raise Refusal(codes.REFRESH_TOKEN_EXPIRED, "the refresh token expired: authorize again")
    conn.execute("UPDATE user_tokens SET used = 1 WHERE token_sha256 = ?", (row["token_sha256"],))
    return _issue(conn, app, row["account_id"], json.loads(grant["scopes"]), now, settings)


def _grant(conn: sqlite3.Connection, app_id: str, account_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM oauth_grants WHERE app_id = ? AND account_id = ?", (app_id, account_id)
    ).fetchone()


def authenticate_user(
    conn: sqlite3.Connection, app_id: str, token: str, now: datetime
) -> AppGrant | None:
    """The app acting for one account, when `token` is that account's access token."""
    row = conn.execute(
        "SELECT * FROM user_tokens WHERE token_sha256 = ? AND kind = 'access'", (_digest(token),)
    ).fetchone()
    if row is None:
        return None
    if row["app_id"] != app_id:
        raise Refusal(codes.INVALID_TOKEN, "unknown access token")
    account = row["account_id"]
    grant = _grant(conn, app_id, account)
    if grant is None or grant["status"] != "active":
        raise Refusal(
            codes.AUTHORIZATION_CANCELLED, "the account holder cancelled the authorization"
        )
    epoch = to_epoch(now)
    if row["expires_at"] <= epoch:
        alive = conn.execute(
            "SELECT 1 FROM user_tokens WHERE app_id = ? AND account_id = ? AND kind = 'refresh' "
            "AND used = 0 AND expires_at > ?",
            (app_id, account, epoch),
        ).fetchone()
        if alive is None:
            raise Refusal(codes.AUTHORIZATION_EXPIRED, "the authorization expired: authorize again")
        raise Refusal(codes.TOKEN_EXPIRED, "the access token expired: refresh it")
    app = load_app(conn, app_id)
    if app is None:
        raise Refusal(codes.INVALID_TOKEN, "unknown access token")
    # The account's own token counts as its grant (access._holds); the app's grants stay
    # shared, not copied per request.
    return dataclasses.replace(app, user=account)


def cancelled(conn: sqlite3.Connection, app_id: str, account_id: str) -> bool:
    """Whether the account's holder cancelled this app's authorization (and gave no new one)."""
    grant = _grant(conn, app_id, account_id)
    return grant is not None and grant["status"] == "cancelled"


def access_refusal(
    conn: sqlite3.Connection, app: AppGrant, row: sqlite3.Row, reason: str
) -> Refusal:
    """The refusal of an app that may not act on the account `row` (a denial `reason`)."""
    lost = cancelled(conn, app.app_id, row["id"])
    code = denial_code(row["kind"], row["org"], app, lost)
    if code == codes.AUTHORIZATION_CANCELLED:
        reason = "the account holder cancelled the app's authorization"
    return Refusal(code, reason)


def revoke(conn: sqlite3.Connection, account_id: str, app_id: str | None = None) -> list[str]:
    """The account holder cancels the authorization of `app_id` (every app when None).

    Returns the apps that lost something: an OAuth grant or the app-wide grant."""
    apps = [
        r["app_id"]
        for r in conn.execute(
            "SELECT app_id FROM apps WHERE ? IS NULL OR app_id = ? ORDER BY app_id",
            (app_id, app_id),
        )
    ]
    lost = []
    for app in apps:
        row = conn.execute("SELECT accounts FROM apps WHERE app_id = ?", (app,)).fetchone()
        granted = json.loads(row["accounts"])
        had_grant = account_id in granted
        if had_grant:
            conn.execute(
                "UPDATE apps SET accounts = ? WHERE app_id = ?",
                (json.dumps([a for a in granted if a != account_id]), app),
            )
        changed = conn.execute(
            "UPDATE oauth_grants SET status = 'cancelled' WHERE app_id = ? AND account_id = ? "
            "AND status = 'active'",
            (app, account_id),
        ).rowcount
        if had_grant and not changed:
            conn.execute(
                "INSERT OR REPLACE INTO oauth_grants(app_id, account_id, open_id, scopes, "
                "status, granted_at) VALUES (?, ?, ?, '[]', 'cancelled', 0)",
                (app, account_id, open_id_of(app, account_id)),
            )
        if had_grant or changed:
            lost.append(app)
    return lost
