"""Typed reads and writes: batching, paging, bounded concurrency, secrets kept out of results."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from ksctl.contract import codes
from ksctl.contract.wire import Feature
from ksctl.platform.errors import AccessDenied, VerificationFailed
from tests.platform.fakes import (
    FakePlatform,
    account_json,
    body,
    make_client,
    ok,
    query,
    refuse,
    run,
    write_json,
)

ACCOUNTS = "/openapi/accounts"


def ids(n: int) -> list[str]:
    return [f"acct{i:05d}" for i in range(n)]


def batch_reader(
    page_size: int = 200, missing: frozenset[str] = frozenset()
) -> Callable[[httpx.Request], httpx.Response]:
    """A handler for GET /openapi/accounts that pages each batch by `page_size`."""

    def handler(request: httpx.Request) -> httpx.Response:
        asked = query(request)["ids"].split(",")
        assert len(asked) <= 200
        start = int(query(request).get("cursor") or 0)
        chunk = asked[start : start + page_size]
        nxt = start + page_size
        return ok(
            {
                "accounts": [account_json(i) for i in chunk if i not in missing],
                "missing": [i for i in chunk if i in missing],
                "next_cursor": str(nxt) if nxt < len(asked) else None,
            }
        )

    return handler


def test_batch_read_costs_one_call_per_200_ids() -> None:
    p = FakePlatform()
    p.script("GET", ACCOUNTS, batch_reader())
    wanted = ids(450)

    async def go() -> None:
        async with make_client(p) as c:
            got = await c.get_accounts(wanted + wanted[:10])  # duplicates asked once
            assert list(got.accounts) == wanted
            assert got.missing == []

    run(go())
    calls = p.calls("GET", ACCOUNTS)
    assert len(calls) == 3
    assert sorted(len(query(r)["ids"].split(",")) for r in calls) == [50, 200, 200]
    assert {query(r)["count"] for r in calls} == {"200"}


def test_batch_read_follows_cursors_and_reports_missing() -> None:
    p = FakePlatform()
    p.script("GET", ACCOUNTS, batch_reader(page_size=30, missing={"acct00003", "acct00040"}))

    async def go() -> None:
        async with make_client(p) as c:
            got = await c.get_accounts(ids(70))
            assert len(got.accounts) == 68
            assert got.missing == ["acct00003", "acct00040"]

    run(go())
    cursors = [query(r)["cursor"] for r in p.calls("GET", ACCOUNTS)]
    assert cursors == ["", "30", "60"]


def test_concurrency_is_bounded() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    p = FakePlatform()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        with lock:
            in_flight -= 1
        return batch_reader()(request)

    async def dispatch(request: httpx.Request) -> httpx.Response:
        if request.url.path == ACCOUNTS:
            p.requests.append(request)
            return await handler(request)
        return p(request)

    async def go() -> None:
        async with make_client(httpx.MockTransport(dispatch), concurrency=3) as c:
            got = await c.get_accounts(ids(200 * 10))
            assert len(got.accounts) == 2000

    run(go())
    assert len(p.calls("GET", ACCOUNTS)) == 10
    assert peak == 3


def test_truncated_lists_are_completed_and_only_those() -> None:
    p = FakePlatform()
    full = [
        {"id": f"s{i}", "title": "t", "start_at": "2026-12-01T20:00:00+08:00", "status": "pending"}
        for i in range(120)
    ]
    replays = [
        {
            "id": "r1",
            "title": "秋冬上新",
            "recorded_at": "2026-11-01T20:00:00+08:00",
            "size_bytes": 10,
            "sha256": "ab" * 32,
            "online": True,
        }
    ]

    def reader(request: httpx.Request) -> httpx.Response:
        return ok(
            {
                "accounts": [
                    account_json("a1", schedules=full[:50], schedules_truncated=True),
                    account_json("a2", replays=replays),
                ],
                "next_cursor": None,
            }
        )

    def schedules(request: httpx.Request) -> httpx.Response:
        start = int(query(request)["cursor"] or 0)
        page = full[start : start + 100]
        nxt = start + 100
        return ok({"schedules": page, "next_cursor": str(nxt) if nxt < len(full) else None})

    p.script("GET", ACCOUNTS, reader)
    p.script("GET", "/openapi/accounts/a1/schedules", schedules)

    async def go() -> None:
        async with make_client(p) as c:
            got = await c.get_accounts(["a1", "a2"])
            a1 = got.accounts["a1"]
            assert len(a1.schedules) == 120 and not a1.schedules_truncated
            assert got.accounts["a2"].replays[0].id == "r1"

    run(go())
    assert len(p.calls("GET", "/openapi/accounts/a1/schedules")) == 2
    assert p.calls("GET", "/openapi/accounts/a2/schedules") == []
    assert p.calls("GET", "/openapi/accounts/a1/replays") == []


@pytest.mark.parametrize(
    "call, path, sent",
    [
        (
            lambda c, k: c.cancel_schedule("a1", "s1", idempotency_key=k),
            "schedules/s1/cancel",
            None,
        ),
        (lambda c, k: c.export_interactions("a1", idempotency_key=k), "interactions/export", None),
        (lambda c, k: c.request_gift_ledger("a1", idempotency_key=k), "gift_ledger/tickets", None),
        (
            lambda c, k: c.purge_viewer_phones("a1", idempotency_key=k),
            "privacy/purge_viewer_phones",
            None,
        ),
        (lambda c, k: c.send_sms("a1", idempotency_key=k), "sms/send", None),
        (lambda c, k: c.enable_live("a1", idempotency_key=k), "live/enable", None),
        (
            lambda c, k: c.remove_live_certification("a1", idempotency_key=k),
            "certification/live/remove",
            None,
        ),
        (
            lambda c, k: c.set_feature("a1", Feature.short_video_tipping, True, idempotency_key=k),
            "features/short_video_tipping/enable",
            None,
        ),
        (
            lambda c, k: c.set_feature("a1", "shopping_cart", False, idempotency_key=k),
            "features/shopping_cart/disable",
            None,
        ),
        (
            lambda c, k: c.open_takedown_appeal(
                "a1", "国作登字-2026-F-00123456", idempotency_key=k
            ),
            "appeals",
            {"copyright_proof": "国作登字-2026-F-00123456"},
        ),
        (
            lambda c, k: c.disable_live(
                "a1", "vt-1234567", acknowledge_contract_breach=True, idempotency_key=k
            ),
            "live/disable",
            {"verification_ticket": "vt-1234567", "acknowledge_contract_breach": True},
        ),
    ],
)
def test_write_paths_and_bodies(
    call: Callable[[Any, str], Awaitable[Any]], path: str, sent: object
) -> None:
    p = FakePlatform()
    p.script("POST", f"/openapi/accounts/a1/{path}", ok(write_json("a1")))

    async def go() -> None:
        async with make_client(p) as c:
            result = await call(c, "key-1")
            assert result.account.id == "a1" and not result.replayed

    run(go())
    [request] = p.calls("POST", f"/openapi/accounts/a1/{path}")
    assert request.headers["Idempotency-Key"] == "key-1"
    assert "If-Match" not in request.headers
    assert body(request) == sent


def test_sms_code_and_ticket_never_show() -> None:
    p = FakePlatform()
    p.script(
        "POST",
        "/openapi/accounts/a1/sms/verify",
        ok(write_json("a1", verification_ticket="vt-ABCDEF-123", expires_in=600)),
    )
    p.script(
        "POST",
        "/openapi/accounts/a1/live/disable",
        refuse(codes.VERIFICATION_REQUIRED, "ticket vt-ABCDEF-123 expired"),
    )

    async def go() -> None:
        async with make_client(p) as c:
            result = await c.verify_sms("a1", "482913", idempotency_key="k1")
            assert result.verification_ticket is not None
            assert result.verification_ticket.reveal() == "vt-ABCDEF-123"
            assert "vt-ABCDEF-123" not in repr(result)
            assert result.answer.verification_ticket is None
            with pytest.raises(VerificationFailed) as e:
                await c.disable_live("a1", result.verification_ticket, idempotency_key="k2")
            assert "vt-ABCDEF-123" not in str(e.value)
            assert "vt-ABCDEF-123" not in (e.value.platform_message or "")
            assert "482913" not in c.redact("code 482913")

    run(go())
    [verify] = p.calls("POST", "/openapi/accounts/a1/sms/verify")
    assert body(verify) == {"code": "482913"}
    [disable] = p.calls("POST", "/openapi/accounts/a1/live/disable")
    assert body(disable)["verification_ticket"] == "vt-ABCDEF-123"


def test_job_ticket_appeal_reads() -> None:
    p = FakePlatform()
    job = {
        "id": "j1",
        "account_id": "a1",
        "status": "ready",
        "created_at": "2026-11-25T10:00:00+08:00",
        "ready_at": "2026-11-25T10:05:00+08:00",
        "size_bytes": 3,
        "sha256": "00" * 32,
        "range_start": "2026-08-27T00:00:00+08:00",
        "range_end": "2026-11-25T00:00:00+08:00",
    }
    ticket = {
        "id": "t1",
        "account_id": "a1",
        "status": "open",
        "created_at": "2026-11-25T10:00:00+08:00",
        "fulfilled_at": "2026-11-27T10:00:00+08:00",
    }
    p.script("GET", "/openapi/jobs/j1", ok({"job": job}))
    p.script("GET", "/openapi/tickets/t1", ok({"ticket": ticket}))

    async def go() -> None:
        async with make_client(p) as c:
            assert (await c.get_job("j1")).status == "ready"
            assert (await c.get_ticket("t1")).status == "open"

    run(go())


def test_a_failed_batch_cancels_the_others_and_raises_typed() -> None:
    p = FakePlatform()
    started: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != ACCOUNTS:
            return p(request)
        first = query(request)["ids"].split(",")[0]
        started.append(first)
        if first == "acct00000":
            return refuse(codes.ACCESS_DENIED, "denied")
        await asyncio.sleep(10)  # would hang the test if not cancelled
        return batch_reader()(request)

    async def go() -> None:
        async with make_client(httpx.MockTransport(handler)) as c:
            with pytest.raises(AccessDenied):
                await c.get_accounts(ids(600))
            assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    run(go())
    assert len(started) == 3


def test_no_ids_no_calls() -> None:
    p = FakePlatform()

    async def go() -> None:
        async with make_client(p) as c:
            got = await c.get_accounts([])
            assert got.accounts == {} and got.missing == []

    run(go())
    assert p.requests == []
