"""Auth, retries and decoding of single calls, against a scripted fake platform."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ksctl.contract import codes
from ksctl.platform.errors import (
    AccountBanned,
    AuthError,
    NetworkError,
    NotFound,
    PlatformError,
    PreconditionFailed,
    ProtocolError,
    QuotaExhausted,
    RateLimited,
    Refused,
    ServerError,
)
from ksctl.platform.retry import RetryPolicy
from tests.platform.fakes import (
    FakeClock,
    FakePlatform,
    account_json,
    make_client,
    ok,
    query,
    refuse,
    run,
    write_json,
)

ACCT = "/openapi/accounts/3xk9d2a1"
QUOTA = "/openapi/quota"
QUOTA_OK = {
    "quota": {"per_day": 100, "used": 1, "remaining": 99, "resets_at": "2026-11-26T00:00:00+08:00"}
}
CANCEL = "/openapi/accounts/3xk9d2a1/schedules/s1/cancel"


def test_token_is_fetched_once_with_a_form_body_and_sent_in_the_query() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, ok(QUOTA_OK))

    async def go() -> None:
        async with make_client(p) as c:
            await asyncio.gather(*(c.get_quota() for _ in range(5)))

    run(go())
    [fetch] = p.calls("POST", "/oauth2/access_token")
    assert fetch.url.params == httpx.QueryParams()  # the secret is not in the URL
    assert b"app_secret=demo_secret_value" in fetch.content
    assert b"grant_type=client_credentials" in fetch.content
    for r in p.calls("GET", QUOTA):
        assert query(r) == {"app_id": "demo_app", "access_token": "tok-0001-secretish"}


def test_expired_token_is_renewed_once_and_the_call_repeated() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, refuse(codes.TOKEN_EXPIRED, "expired"), ok(QUOTA_OK))
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock) as c:
            assert (await c.get_quota()).remaining == 99

    run(go())
    assert len(p.calls("POST", "/oauth2/access_token")) == 2
    tokens = [query(r)["access_token"] for r in p.calls("GET", QUOTA)]
    assert tokens == ["tok-0001-secretish", "tok-0002-secretish"]
    assert clock.sleeps == []  # renewal is not a backoff


def test_a_token_that_keeps_expiring_is_an_auth_error() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, refuse(codes.TOKEN_EXPIRED, "expired"))

    async def go() -> None:
        async with make_client(p) as c:
            await c.get_quota()

    with pytest.raises(AuthError, match="could not be renewed"):
        run(go())
    assert len(p.calls("GET", QUOTA)) == 3


def test_bad_credentials_fail_fast_with_a_hint() -> None:
    p = FakePlatform()
    p.token_answers.append(refuse(codes.INVALID_CREDENTIALS, "bad secret"))

    async def go() -> None:
        async with make_client(p) as c:
            await c.get_quota()

    with pytest.raises(AuthError, match="KSCTL_APP_SECRET") as e:
        run(go())
    assert not e.value.retryable
    assert "demo_secret_value" not in str(e.value)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed"),
        refuse(codes.SERVER_ERROR, "boom"),
        refuse(codes.UNAVAILABLE, "busy"),
        httpx.Response(502, text="<html>bad gateway</html>"),
    ],
)
def test_transient_failures_are_retried_with_backoff(failure: object) -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, failure, failure, ok(QUOTA_OK))
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock, retry=RetryPolicy(base_delay=1.0)) as c:
            await c.get_quota()

    run(go())
    assert len(p.calls("GET", QUOTA)) == 3
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0


def test_token_fetch_failures_are_retried_too() -> None:
    p = FakePlatform()
    p.token_answers.extend([httpx.ConnectError("down"), refuse(codes.UNAVAILABLE, "x")])
    p.script("GET", QUOTA, ok(QUOTA_OK))

    async def go() -> None:
        async with make_client(p) as c:
            await c.get_quota()

    run(go())
    assert len(p.calls("POST", "/oauth2/access_token")) == 3


def test_rate_limit_honours_retry_after() -> None:
    p = FakePlatform()
    p.script(
        "GET",
        QUOTA,
        refuse(codes.OVER_LIMIT, "rate", headers={"Retry-After": "7"}),
        ok(QUOTA_OK),
    )
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock, retry=RetryPolicy(base_delay=0.1)) as c:
            await c.get_quota()

    run(go())
    assert clock.sleeps == [7.0]


def test_retries_stop_at_max_attempts() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, httpx.ConnectError("down"))

    async def go() -> None:
        async with make_client(p, retry=RetryPolicy(max_attempts=4, base_delay=0.01)) as c:
            await c.get_quota()

    with pytest.raises(NetworkError, match="connection failed") as e:
        run(go())
    assert e.value.retryable and e.value.code is None
    assert len(p.calls("GET", QUOTA)) == 4


def test_retries_stop_at_max_elapsed_rather_than_wait_past_it() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, refuse(codes.OVER_LIMIT, "rate", headers={"Retry-After": "600"}))
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock, retry=RetryPolicy(max_elapsed=60)) as c:
            await c.get_quota()

    with pytest.raises(RateLimited) as e:
        run(go())
    assert e.value.retry_after == 600
    assert clock.sleeps == [] and len(p.calls("GET", QUOTA)) == 1


def test_terminal_errors_are_not_retried() -> None:
    p = FakePlatform()
    p.script("POST", CANCEL, refuse(codes.IDEMPOTENCY_CONFLICT, "reused"))
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock) as c:
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k1")

    with pytest.raises(Exception, match="Idempotency-Key was already used"):
        run(go())
    assert len(p.calls("POST", CANCEL)) == 1 and clock.sleeps == []


def test_a_write_needs_an_idempotency_key() -> None:
    p = FakePlatform()

    async def go() -> None:
        async with make_client(p) as c:
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="")

    with pytest.raises(ValueError, match="idempotency key"):
        run(go())
    assert p.requests == []


def test_a_write_is_retried_with_the_same_key_and_if_match() -> None:
    p = FakePlatform()
    replay = ok(write_json(), headers={"Idempotent-Replayed": "true"})
    # the first try committed but its answer was lost; the retry gets the first answer
    p.script("POST", CANCEL, httpx.ReadError("lost"), refuse(codes.UNAVAILABLE, "x"), replay)

    async def go() -> None:
        async with make_client(p) as c:
            done = await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k-1", if_match="7")
            assert done.replayed and done.changed and done.request_id == "req-ok"

    run(go())
    sent = p.calls("POST", CANCEL)
    assert len(sent) == 3
    assert {r.headers["Idempotency-Key"] for r in sent} == {"k-1"}
    assert {r.headers["If-Match"] for r in sent} == {"7"}


def test_refusals_on_writes_are_explained_with_one_account_read() -> None:
    p = FakePlatform()
    p.script("POST", CANCEL, refuse(codes.LIVE_BANNED, "live banned"))
    p.script(
        "GET",
        ACCT,
        ok({"account": account_json(ban={"until": "2026-12-31T00:00:00+08:00", "reason": ""})}),
    )

    async def go() -> None:
        async with make_client(p) as c:
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k")

    with pytest.raises(AccountBanned) as e:
        run(go())
    assert str(e.value) == (
        "account 3xk9d2a1 is banned until 2026-12-31; no change possible "
        "before (platform 410014 live_banned, request req-9)"
    )
    assert len(p.calls("GET", ACCT)) == 1


def test_explaining_is_best_effort() -> None:
    p = FakePlatform()
    p.script("POST", CANCEL, refuse(codes.PRECONDITION_FAILED, "version"))
    p.script("GET", ACCT, httpx.ConnectError("down"))

    async def go() -> None:
        async with make_client(p) as c:
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k", if_match="6")

    with pytest.raises(PreconditionFailed, match="changed since it was read; plan again"):
        run(go())
    assert len(p.calls("GET", ACCT)) == 1  # not retried: an explanation is not worth it


def test_plain_refusals_are_not_enriched() -> None:
    p = FakePlatform()
    p.script("POST", CANCEL, refuse(codes.BAD_REQUEST, "bad"))

    async def go() -> None:
        async with make_client(p) as c:
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k")

    with pytest.raises(Refused):
        run(go())
    assert p.calls("GET", ACCT) == []


def test_answers_that_are_not_the_platform() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, httpx.Response(200, text="hello"))

    async def go() -> None:
        async with make_client(p) as c:
            await c.get_quota()

    with pytest.raises(ProtocolError):
        run(go())


def test_payload_outside_the_contract_is_a_protocol_error() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, ok({"quota": {"remaining": "lots"}}))

    async def go() -> None:
        async with make_client(p) as c:
            await c.get_quota()

    with pytest.raises(ProtocolError, match="does not fit the contract"):
        run(go())


def test_result_1_with_an_error_status_is_not_success() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, httpx.Response(500, json={"result": 1}), ok(QUOTA_OK))

    async def go() -> None:
        async with make_client(p, retry=RetryPolicy(max_attempts=1)) as c:
            await c.get_quota()

    with pytest.raises(ServerError):
        run(go())


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (codes.NOT_FOUND, NotFound),
        (codes.LIVE_BANNED, AccountBanned),
        (codes.PRECONDITION_FAILED, PreconditionFailed),
        (codes.INVALID_CREDENTIALS, AuthError),
    ],
)
@pytest.mark.parametrize("status", [200, 400, 403])
def test_a_refusal_goes_by_its_result_whatever_the_status(
    code: int, error: type[Exception], status: int
) -> None:
    # 200 is how the real platform refuses; a 4xx is a server that still sends statuses
    # (a sandbox world with `refusal_status: modelled`): the same error either way.
    p = FakePlatform()
    p.script("GET", QUOTA, refuse(code, "no", status=status))

    async def go() -> None:
        async with make_client(p, retry=RetryPolicy(max_attempts=1)) as c:
            await c.get_quota()

    with pytest.raises(error) as e:
        run(go())
    assert isinstance(e.value, PlatformError) and e.value.code == code


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(503),
        httpx.Response(504, text="upstream timed out"),
        httpx.Response(429),
        httpx.Response(429, text="slow down", headers={"Retry-After": "3"}),
    ],
)
def test_a_proxys_status_without_an_envelope_stays_retryable(failure: httpx.Response) -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, failure, ok(QUOTA_OK))
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock, retry=RetryPolicy(base_delay=0.1)) as c:
            assert (await c.get_quota()).remaining == 99

    run(go())
    assert len(p.calls("GET", QUOTA)) == 2
    wanted = float(failure.headers.get("Retry-After", 0))
    assert len(clock.sleeps) == 1 and clock.sleeps[0] >= wanted


def test_retry_after_on_a_200_refusal_is_honoured() -> None:
    p = FakePlatform()
    limited = refuse(codes.OVER_LIMIT, "rate", headers={"Retry-After": "5"})
    assert limited.status_code == 200
    p.script("GET", QUOTA, limited, ok(QUOTA_OK))
    clock = FakeClock()

    async def go() -> None:
        async with make_client(p, clock=clock, retry=RetryPolicy(base_delay=0.1)) as c:
            await c.get_quota()

    run(go())
    assert clock.sleeps == [5.0]


def test_quota_is_tracked_and_a_known_empty_quota_stops_writes_before_sending() -> None:
    p = FakePlatform()
    p.script(
        "POST",
        CANCEL,
        ok(
            write_json(),
            headers={"X-Quota-Remaining": "0", "X-Quota-Reset": "2026-11-26T00:00:00+08:00"},
        ),
    )

    async def go() -> None:
        async with make_client(p) as c:
            assert not c.quota.known
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k1")
            assert c.quota.remaining == 0
            with pytest.raises(QuotaExhausted, match="resets at 2026-11-26T00:00:00"):
                await c.cancel_schedule("3xk9d2a1", "s2", idempotency_key="k2")

    run(go())
    assert len(p.calls("POST", CANCEL)) == 1


def test_quota_refusal_from_the_platform() -> None:
    p = FakePlatform()
    p.script(
        "POST",
        CANCEL,
        refuse(
            codes.OVER_LIMIT,
            "quota",
            status=429,
            headers={
                "Retry-After": "50400",
                "X-Quota-Remaining": "0",
                "X-Quota-Reset": "2026-11-26T00:00:00+08:00",
            },
        ),
    )

    async def go() -> None:
        async with make_client(p) as c:
            with pytest.raises(QuotaExhausted) as e:
                await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="k1")
            assert e.value.resets_at is not None and e.value.resets_at.day == 26
            assert c.quota.remaining == 0

    run(go())
    assert len(p.calls("POST", CANCEL)) == 1  # 14 hours do not fit the retry budget


def test_sandbox_is_noticed_from_answers() -> None:
    p = FakePlatform()
    p.script("GET", QUOTA, ok(QUOTA_OK, headers={"X-Ksctl-Sandbox": "1"}))

    async def go() -> None:
        async with make_client(p) as c:
            assert not c.is_sandbox
            await c.get_quota()
            assert c.is_sandbox

    run(go())


def test_secrets_stay_out_of_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    p = FakePlatform()
    p.script(
        "GET",
        QUOTA,
        httpx.ConnectError(
            "failed http://platform.test/openapi/quota?access_token=tok-0001-secretish"
        ),
    )
    caplog.set_level("DEBUG", logger="ksctl.platform")
    caplog.set_level("DEBUG", logger="httpx")
    p.script("GET", "/openapi/jobs/j1", refuse(codes.NOT_FOUND, "no job"))

    async def go() -> None:
        async with make_client(p, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as c:
            assert "demo_secret_value" not in repr(c)
            with pytest.raises(Exception, match="no job"):
                await c.get_job("j1")  # httpx logs this request's URL
            await c.get_quota()

    with pytest.raises(NetworkError) as e:
        run(go())
    assert "/openapi/jobs/j1?app_id=demo_app&access_token=***" in caplog.text
    for text in (str(e.value), repr(e.value), caplog.text):
        assert "tok-0001-secretish" not in text and "demo_secret_value" not in text
    assert e.value.__cause__ is None and e.value.__suppress_context__
