"""Turning a refused answer into a typed error with a message a person can act on.

The platform's `error_msg` says what went wrong; the account (when the client could read
it cheaply) says why and until when: "account 3xk9d2a1 is banned until 2026-12-31; no
change possible before" beats "live banned".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ksctl.contract import codes
from ksctl.contract.codes import describe
from ksctl.contract.wire import AccountState
from ksctl.platform.errors import (
    AccountBanned,
    PlatformError,
    QuotaExhausted,
    RateLimited,
    error_class,
)
from ksctl.platform.redact import redact

# Codes whose message gets better with the account's state: worth one extra read.
ENRICHABLE = frozenset(
    {
        codes.LIVE_BANNED,
        codes.ACCESS_DENIED,
        codes.PENDING_SCHEDULE,
        codes.CONTRACT_BREACH,
        codes.INTERACTIONS_EXPIRED,
        codes.PRECONDITION_FAILED,
        codes.NO_LIVE_PERMISSION,
    }
)


def _day(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")


def _sentence(
    code: int, account_id: str | None, account: AccountState | None, platform_msg: str
) -> str:
    subject = f"account {account_id}" if account_id else "the request"
    meaning = describe(code).meaning
    a = account
    if code == codes.LIVE_BANNED:
        if a and a.ban:
            reason = f" ({a.ban.reason})" if a.ban.reason else ""
            return (
                f"{subject} is banned until {_day(a.ban.until)}{reason}; no change possible before"
            )
        return f"{subject} is banned; no change possible until the ban ends"
    if code == codes.ACCESS_DENIED:
        why = a.access.reason if a and a.access.reason else meaning
        return f"the app may not act on {subject}: {why}"
    if code == codes.PENDING_SCHEDULE and a and a.schedules:
        ids = ", ".join(f"{s.id} at {s.start_at.isoformat()}" for s in a.schedules[:5])
        return (
            f"{subject} has {len(a.schedules)} pending scheduled live(s) ({ids}); "
            "cancel them before closing live"
        )
    if code == codes.CONTRACT_BREACH and a and a.contract:
        c = a.contract
        return (
            f"{subject} is under an MCN contract with {c.mcn} requiring "
            f"{c.min_live_hours_per_month} live hours a month until {_day(c.until)}; "
            "closing live needs acknowledge.contract_breach: true"
        )
    if code == codes.INTERACTIONS_EXPIRED and a and a.interactions.exportable_until:
        return (
            f"{subject}: interaction data was exportable only until "
            f"{_day(a.interactions.exportable_until)} (30 days after live closed); "
            "it is gone for good"
        )
    if code == codes.PRECONDITION_FAILED:
        now = f" (now version {a.version})" if a else ""
        return f"{subject} changed since it was read{now}; plan again"
    if code == codes.STREAMING_NOW:
        return f"{subject} is streaming right now; closing live waits so the broadcast is not cut"
    if code == codes.TOKEN_EXPIRED:
        return "the access token expired and could not be renewed"
    if code == codes.INVALID_CREDENTIALS:
        return "the platform refused the app credentials: check KSCTL_APP_ID and KSCTL_APP_SECRET"
    text = f"{subject}: {meaning}"
    if platform_msg and platform_msg.rstrip(".") not in text:
        text += f" — {platform_msg}"
    return text


def build_error(
    code: int,
    platform_msg: str,
    *,
    request_id: str | None = None,
    http_status: int | None = None,
    account_id: str | None = None,
    account: AccountState | None = None,
    retry_after: float | None = None,
    quota_resets_at: datetime | None = None,
    write: bool = False,
    redactor: Callable[[str], str] = redact,
) -> PlatformError:
    """The typed error for a refused answer; its message and platform text are redacted.

    `write` matters for 400002: over the limit on a write means the daily quota is
    spent (QuotaExhausted), on a read only the per-second rate (RateLimited).
    """
    cls = error_class(code, http_status)
    platform_msg = redactor(platform_msg or "")
    common = dict(
        code=code,
        request_id=request_id,
        http_status=http_status,
        account_id=account_id,
        platform_message=platform_msg,
    )
    if code == codes.OVER_LIMIT:
        if write:
            when = f"; it resets at {quota_resets_at.isoformat()}" if quota_resets_at else ""
            return QuotaExhausted(
                f"the daily write quota is spent{when}",
                resets_at=quota_resets_at,
                retry_after=retry_after,
                **common,
            )
        return RateLimited("over the platform's read rate", retry_after=retry_after, **common)
    message = redactor(_sentence(code, account_id, account, platform_msg))
    retryable = describe(code).retryable if code in codes.CODES else None
    if cls is AccountBanned:
        until = account.ban.until if account and account.ban else None
        return AccountBanned(message, until=until, retryable=retryable, **common)
    return cls(message, retryable=retryable, **common)
