"""The client against the real sandbox app, in-process through httpx.ASGITransport."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from ksctl.compose import resolve_target
from ksctl.platform.errors import (
    AccountBanned,
    PreconditionFailed,
    QuotaExhausted,
    Refused,
)
from ksctl.platform.target import open_client
from ksctl.sandbox.store import Store
from tests.platform.fakes import FakeClock, run
from tests.platform.sandboxes import (
    CuttingTransport,
    client,
    closure_sequence,
    fault_counts,
    in_process,
    key,
    logged,
)


def test_batch_read_is_one_call_and_reports_missing(store: Store, clock: FakeClock) -> None:
    async def go() -> None:
        async with client(in_process(store), clock) as c:
            got = await c.get_accounts(["3xk9d2a1", "nope", "3xk9d2a2", "3xb4nned"])
            assert list(got.accounts) == ["3xk9d2a1", "3xk9d2a2", "3xb4nned"]
            assert got.missing == ["nope"]
            assert [s.id for s in got.accounts["3xk9d2a1"].schedules] == ["s1", "s2", "s3"]
            assert c.is_sandbox

    run(go())
    assert store.request_counts("read") == {"list_accounts": 1}


def test_writes_under_faults_happen_exactly_once(store: Store, clock: FakeClock) -> None:
    store.configure(
        faults={"error_rate": 0.3, "lost_response_rate": 0.3, "latency_ms": 1, "seed": 4}
    )

    async def go() -> None:
        async with client(in_process(store), clock) as c:
            expected = await closure_sequence(c, store)
            assert logged(store) == expected
            refused, lost = fault_counts(store)
            assert refused >= 2 and lost >= 2  # both kinds of fault did happen...
            assert len(clock.sleeps) >= refused + lost  # ...and were backed off
            # the whole sequence again, as a resumed apply would: nothing happens twice
            store.configure(faults={"error_rate": 0.0, "lost_response_rate": 0.0})
            await c.cancel_schedule(
                "3xk9d2a1", "s1", idempotency_key=key("3xk9d2a1/cancel_schedule[s1]")
            )
            assert logged(store) == expected

    run(go())


def test_a_download_cut_half_way_resumes_and_verifies(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    cutting = CuttingTransport(in_process(store), after=300_000)
    dest = tmp_path / "backups" / "3xk9d2a1" / "replays" / "r1.mp4"

    async def go() -> None:
        async with client(cutting, clock) as c:
            [r1] = [
                r
                for r in (await c.get_accounts(["3xk9d2a1"])).accounts["3xk9d2a1"].replays
                if r.id == "r1"
            ]
            got = await c.download_replay("3xk9d2a1", r1, dest)
            assert got.resumes == 1 and got.size == r1.size_bytes == 700_000
            assert hashlib.sha256(dest.read_bytes()).hexdigest() == r1.sha256 == got.sha256
            again = await c.download_replay("3xk9d2a1", r1, dest)
            assert not again.fetched

    run(go())
    assert cutting.ranges == [None, "bytes=300000-"]
    assert dest.stat().st_mode & 0o777 == 0o600


def test_an_expired_token_is_renewed(store: Store, clock: FakeClock) -> None:
    async def go() -> None:
        async with client(in_process(store), clock) as c:
            await c.get_quota()
            store.advance(timedelta(days=3))  # past the token's 48 hours of virtual time
            await c.get_quota()

    run(go())
    assert store.request_counts("token") == {"access_token": 2}


def test_read_rate_is_honoured(store: Store, clock: FakeClock) -> None:
    store.configure(read_rate_per_second=2)

    async def go() -> None:
        async with client(in_process(store), clock) as c:
            for _ in range(5):
                await c.get_quota()

    run(go())
    assert 1.0 in clock.sleeps  # Retry-After: 1, on the sandbox's (fake) wall clock


def test_spent_quota_stops_writes_before_sending(store: Store, clock: FakeClock) -> None:
    store.configure(write_quota_per_day=2)

    async def go() -> None:
        async with client(in_process(store), clock) as c:
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="q1")
            await c.cancel_schedule("3xk9d2a1", "s2", idempotency_key="q2")
            assert c.quota.remaining == 0
            sent = sum(store.request_counts("write").values())
            with pytest.raises(QuotaExhausted) as e:
                await c.cancel_schedule("3xk9d2a1", "s3", idempotency_key="q3")
            assert e.value.resets_at is not None
            assert e.value.resets_at.isoformat() == "2026-11-26T00:00:00+08:00"
            assert sum(store.request_counts("write").values()) == sent
            # the platform's day turns (virtual clock): the client lets the write go
            store.advance(timedelta(hours=15))
            await c.get_quota()
            await c.cancel_schedule("3xk9d2a1", "s3", idempotency_key="q3")

    run(go())
    assert [w["idempotency_key"] for w in store.writes()] == ["q1", "q2", "q3"]


def test_refusals_are_typed_and_explained(store: Store, clock: FakeClock) -> None:
    async def go() -> None:
        async with client(in_process(store), clock) as c:
            with pytest.raises(AccountBanned) as banned:
                await c.set_feature("3xb4nned", "shopping_cart", True, idempotency_key="b1")
            assert banned.value.message.startswith(
                "account 3xb4nned is banned until 2026-12-31 (违规直播); no change possible"
            )
            assert banned.value.request_id
            version = (await c.get_accounts(["3xk9d2a1"])).accounts["3xk9d2a1"].version
            await c.cancel_schedule("3xk9d2a1", "s1", idempotency_key="p1", if_match=version)
            with pytest.raises(PreconditionFailed, match="plan again"):
                await c.cancel_schedule("3xk9d2a1", "s2", idempotency_key="p2", if_match=version)
            sms = await c.send_sms("3xk9d2a1", idempotency_key="p3")
            assert sms.answer.sent_to == "138****1234"
            [m] = store.sms_inbox()
            ticket = await c.verify_sms("3xk9d2a1", m["code"], idempotency_key="p4")
            assert ticket.verification_ticket is not None
            with pytest.raises(Refused, match=r"pending scheduled live\(s\) \(s2 at"):
                await c.disable_live("3xk9d2a1", ticket.verification_ticket, idempotency_key="p5")

    run(go())


def test_the_embedded_target_works_out_of_the_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = resolve_target({}, tmp_path)

    async def go() -> None:
        async with open_client(target) as c:
            assert c.is_sandbox
            read = await c.get_accounts(["3xk9d2a1"])
            assert "3xk9d2a1" in read.accounts

    run(go())
    assert (tmp_path / ".ksctl" / "sandbox.db").exists()
