"""Accounts' own tokens in use: which token a call carries, renewal, lost authorizations.

    tokens = AccountTokens(store, scope_of(base_url, app_id))
    token = tokens.token("3xk9d2a1")            # the account's access token, or None
    token = await tokens.renew("3xk9d2a1", token, refresh=session.refresh_grant, now=...)
    tokens.lose("3xk9d2a1", 100200109)          # the holder cancelled: never sent again

The platform client (`ksctl.platform.session.Session`) holds one `AccountTokens`: a call
for an account with a usable grant carries that account's token; an expired one
(100200108) is renewed once, under the store's lock, so that two processes renewing the
same account do it once and both end with the live pair; a lost authorization
(100200109/110/111/113, or a refresh token the platform refuses) becomes
`AuthorizationLost` naming the command that re-authorizes the account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from ksctl.auth.store import Grant, TokenStore
from ksctl.contract import codes
from ksctl.contract.wire import OAuthTokenAnswer
from ksctl.platform.errors import AuthorizationLost, PlatformError
from ksctl.platform.redact import Redactor, Secret

# The codes that say the account's authorization is gone: only the holder can restore it.
LOST = frozenset(
    {
        codes.AUTHORIZATION_CANCELLED,
        codes.AUTHORIZATION_EXPIRED,
        codes.NEVER_AUTHORIZED,
        codes.REFRESH_TOKEN_EXPIRED,
    }
)
# A store entry says why it was lost, in the words of `ksctl auth status`.
LOST_STATE = {
    codes.AUTHORIZATION_CANCELLED: "revoked",
    codes.NEVER_AUTHORIZED: "revoked",
    codes.AUTHORIZATION_EXPIRED: "expired",
    codes.REFRESH_TOKEN_EXPIRED: "expired",
}

Refresher = Callable[[Secret], Awaitable[OAuthTokenAnswer]]


def scope_of(base_url: str, app_id: str) -> str:
    """The store's scope for a target: its tokens are never sent to another one."""
    return f"{base_url.rstrip('/')} {app_id}"


def login_command(account_id: str) -> str:
    return f"ksctl auth login {account_id}"


def authorization_lost(account_id: str, code: int | None, detail: str = "") -> AuthorizationLost:
    what = {
        codes.AUTHORIZATION_CANCELLED: "the account holder cancelled the app's authorization",
        codes.AUTHORIZATION_EXPIRED: "the account's authorization expired",
        codes.NEVER_AUTHORIZED: "the account holder never authorized the app",
        codes.REFRESH_TOKEN_EXPIRED: "the account's refresh token expired",
    }.get(code or 0, detail or "the platform refused the account's token")
    return AuthorizationLost(
        f"account {account_id}: {what}: re-authorize it with `{login_command(account_id)}`",
        code=code,
        account_id=account_id,
    )


def grant_from(
    account_id: str, answer: OAuthTokenAnswer, now: datetime, revision: int = 0
) -> Grant:
    """A store entry from a token answer; lifetimes are the answer's, from `now`."""
    now = now.replace(microsecond=0)
    return Grant(
        account_id=account_id,
        open_id=answer.open_id,
        scopes=tuple(answer.scopes),
        access_token=Secret(answer.access_token),
        expires_at=now + timedelta(seconds=answer.expires_in),
        refresh_token=Secret(answer.refresh_token),
        refresh_expires_at=now + timedelta(seconds=answer.refresh_token_expires_in),
        obtained_at=now,
        revision=revision,
    )


class AccountTokens:
    """The grants of one target, read once, renewed and saved as the platform asks."""

    def __init__(self, store: TokenStore, scope: str, redactor: Redactor | None = None) -> None:
        self.store = store
        self.scope = scope
        self.redact = redactor or Redactor()
        self._grants = store.grants(scope)
        for grant in self._grants.values():
            self._register(grant)
        # One renewal at a time in this process (the store's lock is per process and would
        # block the event loop against itself); other processes wait on the store's lock.
        self._lock = asyncio.Lock()

    def _register(self, grant: Grant) -> None:
        self.redact.add(grant.access_token.reveal())
        self.redact.add(grant.refresh_token.reveal())

    def accounts(self) -> list[str]:
        """The accounts that have a usable grant."""
        return [a for a, g in self._grants.items() if g.lost is None]

    def has(self, account_id: str) -> bool:
        grant = self._grants.get(account_id)
        return grant is not None and grant.lost is None

    def token(self, account_id: str) -> Secret | None:
        """The account's access token; None when it has no usable grant."""
        grant = self._grants.get(account_id)
        if grant is None:
            return None
        if grant.lost is not None:
            raise authorization_lost(account_id, _code_of(grant.lost))
        return grant.access_token

    async def renew(
        self, account_id: str, failed: Secret, *, refresh: Refresher, now: datetime
    ) -> Secret:
        """A live access token in place of `failed` (expired): another process's renewal
        if it made one, else a refresh whose rotated pair is saved before it is used."""
        async with self._lock:
            mine = self._grants.get(account_id)
            if mine is not None and mine.lost is None and mine.access_token != failed:
                return mine.access_token  # renewed by another call of this process
            with self.store.locked(self.scope, account_id) as held:
                stored = held.get()
                if stored is None:
                    raise authorization_lost(account_id, None, "its tokens were logged out")
                self._register(stored)
                if stored.lost is not None:
                    self._grants[account_id] = stored
                    raise authorization_lost(account_id, _code_of(stored.lost))
                if stored.access_token != failed:
                    self._grants[account_id] = stored  # another process renewed it
                    return stored.access_token
                try:
                    answer = await refresh(stored.refresh_token)
                except PlatformError as err:
                    if err.code in LOST or err.code == codes.INVALID_TOKEN:
                        code = err.code if err.code in LOST else codes.AUTHORIZATION_EXPIRED
                        self._grants[account_id] = held.put(stored.marked_lost(LOST_STATE[code]))
                        raise authorization_lost(account_id, err.code, err.message) from None
                    raise
                self.redact.add(answer.access_token)
                self.redact.add(answer.refresh_token)
                fresh = grant_from(account_id, answer, now, stored.revision)
                saved = held.put(fresh)
                self._grants[account_id] = saved
                return saved.access_token

    def lose(self, account_id: str, code: int) -> AuthorizationLost:
        """Note that the platform refused the account's token for good; the error to raise."""
        state = LOST_STATE.get(code, "revoked")
        with self.store.locked(self.scope, account_id) as held:
            stored = held.get()
            if stored is not None and stored.lost is None:
                self._grants[account_id] = held.put(stored.marked_lost(state))
        return authorization_lost(account_id, code)


def _code_of(state: str) -> int:
    return codes.AUTHORIZATION_CANCELLED if state == "revoked" else codes.AUTHORIZATION_EXPIRED
