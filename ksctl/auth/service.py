"""The `ksctl auth` commands' work: login, status, logout against the target's store."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ksctl import asyncrun
from ksctl.auth import flow
from ksctl.auth.store import Grant, TokenStore
from ksctl.auth.tokens import AccountTokens, scope_of
from ksctl.compose import resolve_target
from ksctl.errors import KsctlError
from ksctl.platform.errors import AuthorizationLost, NotFound, PlatformError
from ksctl.platform.target import Target, open_client

# A refresh token that ends within this is `expiring`: its holder must click again soon.
EXPIRING = timedelta(days=7)
ACCOUNT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
STATES = ("ok", "expiring", "expired", "revoked", "missing")


def _target(env: Mapping[str, str] | None, workdir: Path | None) -> Target:
    return resolve_target(os.environ if env is None else env, workdir or Path.cwd())


def _store(target: Target) -> TokenStore:
    if target.token_store is None:  # pragma: no cover - resolve_target always names one
        raise KsctlError("no token store")
    key = target.token_key.reveal() if target.token_key else None
    return TokenStore(target.token_store, key=key)


def _check_ids(accounts: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(accounts))
    bad = [
        a
        for a in wanted
        if not a or len(a) > 64 or not a.replace("-", "").replace("_", "").isalnum()
    ]
    if bad:
        raise KsctlError(f"not an account id: {', '.join(repr(b) for b in bad)}")
    return wanted


# ---- login ------------------------------------------------------------------------------


def login(
    accounts: Sequence[str],
    *,
    listen: str,
    timeout: float,
    scopes: tuple[str, ...],
    show: Callable[[str], None],
    note: Callable[[str], None],
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
) -> list[flow.Result]:
    """Print each account's authorization URL, wait for the callbacks, store the tokens.

    `show` prints a line of the result (stdout), `note` a remark (stderr), each at once."""
    wanted = _check_ids(accounts)
    host, port = flow.parse_listen(listen)
    target = _target(env, workdir)
    store = _store(target)
    scope = scope_of(target.base_url, target.app_id)
    callback = flow.Callback(host, port)
    if target.notice:
        note(target.notice)

    async def run() -> list[flow.Result]:
        async with open_client(target, accounts=None) as client:
            pending = flow.start(callback, target.base_url, target.app_id, wanted, scopes)
            callback.start()
            show(
                f"Open each URL as the account's holder (or run `ksctl sandbox consent URL`); "
                f"waiting {timeout:.0f} s on {callback.redirect_uri}"
            )
            for p in pending:
                show(f"{p.account_id}: {p.url}")
            return await flow.finish(
                callback,
                client,
                store,
                scope,
                pending,
                timeout,
                lambda r: show(f"{r.account_id}: {'ok' if r.ok else 'error'}: {r.message}"),
            )

    try:
        return asyncrun.run(run())
    finally:
        callback.close()


# ---- status -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    account_id: str
    state: str
    open_id: str | None = None
    scopes: tuple[str, ...] = ()
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "state": self.state,
            "open_id": self.open_id,
            "scopes": list(self.scopes),
            "access_expires_at": _iso(self.access_expires_at),
            "refresh_expires_at": _iso(self.refresh_expires_at),
            "note": self.note,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def state_of(grant: Grant | None, now: datetime) -> str:
    """ok, expiring (the refresh token ends within 7 days), expired, revoked, missing."""
    if grant is None:
        return "missing"
    if grant.lost is not None:
        return grant.lost if grant.lost in STATES else "revoked"
    if grant.refresh_expires_at <= now:
        return "expired"
    if grant.refresh_expires_at - now <= EXPIRING:
        return "expiring"
    return "ok"


def status(
    accounts: Sequence[str],
    *,
    check: bool,
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
) -> tuple[list[Status], str | None]:
    """Each account's tokens (every stored one without `accounts`). With `check`, each is
    tried on the platform with one read: an expired access token is renewed on the way,
    a cancelled authorization shows as `revoked`."""
    target = _target(env, workdir)
    store = _store(target)
    scope = scope_of(target.base_url, target.app_id)
    wanted = _check_ids(accounts) if accounts else list(store.grants(scope))
    notes: dict[str, str] = {}

    async def probe() -> datetime:
        tokens = AccountTokens(store, scope)
        async with open_client(target, accounts=tokens) as client:
            with contextlib.suppress(PlatformError):
                await client.get_quota()  # the platform's clock (a sandbox's is virtual)
            for account in wanted:
                if not check or not tokens.has(account):
                    continue
                try:
                    await client.get_account(account)
                except AuthorizationLost:
                    pass  # the store now says revoked or expired
                except NotFound:
                    notes[account] = "no such account on the platform"
                except PlatformError as err:
                    notes[account] = f"not checked: {err}"
            return client.platform_now()

    now = asyncrun.run(probe())
    grants = store.grants(scope)
    found = []
    for account in wanted:
        grant = grants.get(account)
        found.append(
            Status(
                account,
                state_of(grant, now),
                grant.open_id if grant else None,
                grant.scopes if grant else (),
                grant.expires_at if grant else None,
                grant.refresh_expires_at if grant else None,
                notes.get(account, ""),
            )
        )
    return found, target.notice


def render_status(rows: list[Status]) -> str:
    if not rows:
        return "no account has stored tokens for this target: run `ksctl auth login ACCOUNT`"
    lines = []
    for r in rows:
        if r.state == "missing":
            lines.append(f"{r.account_id}  missing  (run `ksctl auth login {r.account_id}`)")
            continue
        parts = [
            r.account_id,
            r.state,
            f"open_id {r.open_id}",
            f"scopes {','.join(r.scopes) or '-'}",
            f"access until {_iso(r.access_expires_at)}",
            f"refresh until {_iso(r.refresh_expires_at)}",
        ]
        if r.state in ("expired", "revoked", "expiring"):
            parts.append(f"(run `ksctl auth login {r.account_id}`)")
        if r.note:
            parts.append(f"({r.note})")
        lines.append("  ".join(parts))
    return "\n".join(lines)


# ---- logout -----------------------------------------------------------------------------


def logout(
    accounts: Sequence[str], *, env: Mapping[str, str] | None = None, workdir: Path | None = None
) -> tuple[list[tuple[str, bool]], str | None]:
    """Forget the accounts' stored tokens (the platform's grant stays until its holder
    cancels it in the app)."""
    target = _target(env, workdir)
    store = _store(target)
    scope = scope_of(target.base_url, target.app_id)
    return [(a, store.delete(scope, a)) for a in _check_ids(accounts)], target.notice
