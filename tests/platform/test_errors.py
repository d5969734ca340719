"""Refusals become typed errors with the code, the request id and an actionable message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ksctl.contract import codes
from ksctl.contract.wire import AccountState
from ksctl.errors import KsctlError
from ksctl.platform.errors import (
    AccessDenied,
    AccountBanned,
    AuthError,
    IdempotencyConflict,
    NotFound,
    NotReady,
    PlatformError,
    PreconditionFailed,
    QuotaExhausted,
    RateLimited,
    Refused,
    ServerError,
    VerificationFailed,
    error_class,
)
from ksctl.platform.explain import build_error
from ksctl.platform.redact import Redactor
from tests.platform.fakes import account_json

SH = timezone(timedelta(hours=8))


def account(**over: object) -> AccountState:
    return AccountState.model_validate(account_json(**over))


@pytest.mark.parametrize(
    "code, cls, retryable",
    [
        (codes.TOKEN_EXPIRED, AuthError, True),
        (codes.INVALID_CREDENTIALS, AuthError, False),
        (codes.ACCESS_DENIED, AccessDenied, False),
        (codes.LIVE_BANNED, AccountBanned, False),
        (codes.NOT_FOUND, NotFound, False),
        (codes.PENDING_SCHEDULE, Refused, False),
        (codes.SMS_CODE_INVALID, VerificationFailed, False),
        (codes.STREAMING_NOW, NotReady, True),
        (codes.NOT_READY, NotReady, True),
        (codes.PRECONDITION_FAILED, PreconditionFailed, False),
        (codes.IDEMPOTENCY_CONFLICT, IdempotencyConflict, False),
        (codes.SERVER_ERROR, ServerError, True),
        (codes.UNAVAILABLE, ServerError, True),
    ],
)
def test_every_code_has_its_class_and_retryability(code: int, cls: type, retryable: bool) -> None:
    err = build_error(code, "msg", request_id="req-1", http_status=400, account_id="3xk9d2a1")
    assert type(err) is cls
    assert err.retryable is retryable is codes.CODES[code].retryable
    assert err.code == code and err.request_id == "req-1"
    assert isinstance(err, PlatformError) and isinstance(err, KsctlError)


def test_every_known_code_is_mapped() -> None:
    for code in codes.CODES:
        assert error_class(code) is not PlatformError, code


def test_unknown_codes_go_by_status() -> None:
    assert build_error(999, "x", http_status=502).retryable
    assert isinstance(build_error(999, "x", http_status=502), ServerError)
    unknown = build_error(999, "x", http_status=400)
    assert type(unknown) is PlatformError and not unknown.retryable


def test_banned_with_the_account_says_until_when() -> None:
    a = account(ban={"until": "2026-12-31T00:00:00+08:00", "reason": "违规"})
    err = build_error(
        codes.LIVE_BANNED, "live banned", request_id="req-7", account_id="3xk9d2a1", account=a
    )
    assert isinstance(err, AccountBanned)
    assert err.until == datetime(2026, 12, 31, tzinfo=SH)
    assert err.message == (
        "account 3xk9d2a1 is banned until 2026-12-31 (违规); no change possible before"
    )
    assert str(err).endswith("(platform 410014 live_banned, request req-7)")


def test_banned_without_the_account_still_acts() -> None:
    err = build_error(codes.LIVE_BANNED, "live banned", account_id="3xk9d2a1")
    assert "account 3xk9d2a1 is banned; no change possible until the ban ends" in str(err)


def test_pending_schedule_names_them() -> None:
    a = account(
        schedules=[{"id": "s1", "title": "双11返场", "start_at": "2026-12-01T20:00:00+08:00"}]
    )
    err = build_error(codes.PENDING_SCHEDULE, "pending", account_id="3xk9d2a1", account=a)
    assert "1 pending scheduled live(s) (s1 at 2026-12-01T20:00:00+08:00)" in err.message
    assert "cancel them before closing live" in err.message


def test_contract_names_the_mcn_and_the_way_out() -> None:
    a = account(
        contract={
            "mcn": "星火MCN",
            "min_live_hours_per_month": 60,
            "until": "2027-03-31T00:00:00+08:00",
        }
    )
    err = build_error(codes.CONTRACT_BREACH, "breach", account_id="3xm7c5b0", account=a)
    assert "星火MCN" in err.message and "2027-03-31" in err.message
    assert "acknowledge.contract_breach: true" in err.message


def test_access_denied_gives_the_platform_reason() -> None:
    a = account(access={"write": False, "reason": "institution account: app lacks admin"})
    err = build_error(codes.ACCESS_DENIED, "denied", account_id="3xk9d2a1", account=a)
    assert err.message.endswith("institution account: app lacks admin")


def test_precondition_failed_says_plan_again() -> None:
    err = build_error(
        codes.PRECONDITION_FAILED, "x", account_id="3xk9d2a1", account=account(version="9")
    )
    assert err.message == "account 3xk9d2a1 changed since it was read (now version 9); plan again"


def test_generic_message_keeps_the_platform_text() -> None:
    err = build_error(codes.BAD_REQUEST, "ids: at most 200", account_id=None)
    assert err.message == "the request: the request is malformed — ids: at most 200"
    assert err.platform_message == "ids: at most 200"


def test_over_limit_is_quota_on_writes_and_rate_on_reads() -> None:
    reset = datetime(2026, 11, 26, tzinfo=SH)
    w = build_error(codes.OVER_LIMIT, "quota", retry_after=3600, quota_resets_at=reset, write=True)
    assert isinstance(w, QuotaExhausted) and w.resets_at == reset and w.retry_after == 3600
    r = build_error(codes.OVER_LIMIT, "rate", retry_after=1)
    assert type(r) is RateLimited and r.retry_after == 1 and r.retryable


def test_messages_are_redacted() -> None:
    redactor = Redactor(["vt-secret-ticket"])
    err = build_error(
        codes.SMS_CODE_INVALID, "ticket vt-secret-ticket for 13800001234", redactor=redactor
    )
    assert "vt-secret-ticket" not in str(err) and "13800001234" not in str(err)
    assert "vt-secret-ticket" not in (err.platform_message or "")
    assert "vt-secret-ticket" not in repr(err)
