"""Client-credentials tokens on the virtual clock (docs/platform-api.md); accounts' own
tokens are `oauth`'s.

Only digests of secrets and tokens are stored, and neither ever appears in a message.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from datetime import datetime, timedelta

from ksctl.contract import codes
from ksctl.contract.wire import TokenAnswer
from ksctl.sandbox import oauth
from ksctl.sandbox.access import AppGrant, load_app
from ksctl.sandbox.clock import to_epoch
from ksctl.sandbox.refusal import Refusal
from ksctl.sandbox.seeding import secret_digest


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    conn: sqlite3.Connection,
    app_id: str | None,
    secret: str | None,
    grant_type: str | None,
    now: datetime,
    expires_in: int,
) -> TokenAnswer:
    if grant_type != "client_credentials":
        raise Refusal(codes.GRANT_TYPE_INVALID, "grant_type must be client_credentials")
    row = conn.execute(
        "SELECT secret_sha256 FROM apps WHERE app_id = ?", (app_id or "",)
    ).fetchone()
    if (
        row is None
        or secret is None
        or not hmac.compare_digest(row["secret_sha256"], secret_digest(secret))
    ):
        raise Refusal(codes.INVALID_CREDENTIALS, "unknown app_id or wrong app_secret")
    token = "kst_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO tokens(token_sha256, app_id, expires_at) VALUES (?, ?, ?)",
        (_digest(token), app_id, to_epoch(now + timedelta(seconds=expires_in))),
    )
    return TokenAnswer(access_token=token, expires_in=expires_in)


def authenticate(
    conn: sqlite3.Connection, app_id: str | None, token: str | None, now: datetime
) -> AppGrant:
    if not app_id or not token:
        raise Refusal(
            codes.INVALID_TOKEN, "app_id and access_token are required in the query string"
        )
    row = conn.execute(
        "SELECT app_id, expires_at FROM tokens WHERE token_sha256 = ?", (_digest(token),)
    ).fetchone()
    if row is None:
        # Not the app's own token: maybe an account's, from the authorization-code flow.
        user = oauth.authenticate_user(conn, app_id, token, now)
        if user is not None:
            return user
    if row is None or row["app_id"] != app_id:
        raise Refusal(codes.INVALID_TOKEN, "unknown access token")
    if row["expires_at"] <= to_epoch(now):
        raise Refusal(codes.TOKEN_EXPIRED, "the access token expired: fetch a new one")
    app = load_app(conn, app_id)
    if app is None:
        raise Refusal(codes.INVALID_TOKEN, "unknown access token")
    return app
