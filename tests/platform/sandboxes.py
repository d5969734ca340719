"""Ways to reach the real sandbox from a test: in-process, served on loopback, cut short."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.server import served as serve_sandbox
from ksctl.contract import codes
from ksctl.platform.client import PlatformClient
from ksctl.platform.keys import idempotency_key
from ksctl.platform.retry import RetryPolicy
from ksctl.sandbox.app import create_app
from ksctl.sandbox.store import Store
from tests.platform.fakes import FakeClock

# Patient enough for a 30% fault rate, instant with the fake clock.
PATIENT = RetryPolicy(max_attempts=12, base_delay=0.001, max_delay=0.01, max_elapsed=30)


def in_process(store: Store) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=create_app(store))


def client(
    transport: httpx.AsyncBaseTransport,
    clock: FakeClock | None = None,
    base_url: str = "http://sandbox.test",
    **kw: Any,
) -> PlatformClient:
    return PlatformClient(
        base_url,
        app_id="demo_app",
        app_secret="demo_secret",
        transport=transport,
        clock=clock,
        retry=PATIENT,
        **kw,
    )


class _Cut(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, after: int) -> None:
        self.inner, self.after = inner, after

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in self.inner:
            if sent + len(chunk) >= self.after:
                yield chunk[: self.after - sent]
                raise httpx.ReadError("connection dropped half-way (test)")
            sent += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class CuttingTransport(httpx.AsyncBaseTransport):
    """Drops the connection of the first `times` content downloads after `after` bytes (a
    refusal, JSON and HTTP 200 like content, is left whole)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, after: int, times: int = 1) -> None:
        self.inner, self.after, self.times = inner, after, times
        self.ranges: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/content"):
            self.ranges.append(request.headers.get("Range"))
            content = not response.headers.get("content-type", "").startswith("application/json")
            if self.times > 0 and content and response.status_code in (200, 206):
                self.times -= 1
                assert isinstance(response.stream, httpx.AsyncByteStream)
                return httpx.Response(
                    response.status_code,
                    headers=response.headers,
                    stream=_Cut(response.stream, self.after),
                    request=request,
                )
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@contextmanager
def served(home: Path) -> Iterator[str]:
    """`ksctl sandbox serve` on a free loopback port, in another process; yields its URL."""
    with serve_sandbox(home, {**os.environ, "PYTHONWARNINGS": "ignore"}) as server:
        yield server.endpoint


CHECKSUM = "sha256:0f3c-test-plan"


def key(address: str, step: str = "") -> str:
    return idempotency_key(CHECKSUM, address, step)


Expected = list[tuple[str, str, str]]  # (account, operation, idempotency key)


async def closure_sequence(c: PlatformClient, store: Store) -> Expected:
    """The writes of closing two accounts, in order; returns what the write log must hold,
    each exactly once."""
    a1, a2 = "3xk9d2a1", "3xk9d2a2"
    expected: Expected = []

    def k(account: str, operation: str, address: str, step: str = "") -> str:
        expected.append((account, operation, key(address, step)))
        return expected[-1][2]

    for s in ("s1", "s2", "s3"):
        await c.cancel_schedule(
            a1, s, idempotency_key=k(a1, "cancel_schedule", f"{a1}/cancel_schedule[{s}]")
        )
    for a in (a1, a2):
        await c.set_feature(
            a,
            "short_video_tipping",
            True,
            idempotency_key=k(a, "enable_feature", f"{a}/enable_feature[short_video_tipping]"),
        )
    await c.export_interactions(
        a1, idempotency_key=k(a1, "export_interactions", f"{a1}/export_interactions")
    )
    await c.request_gift_ledger(
        a1, idempotency_key=k(a1, "request_gift_ledger", f"{a1}/request_gift_ledger")
    )
    await c.purge_viewer_phones(
        a2, idempotency_key=k(a2, "purge_viewer_phones", f"{a2}/purge_viewer_pii")
    )
    await c.send_sms(a2, idempotency_key=k(a2, "sms_send", f"{a2}/disable_live", "sms_send"))
    [sms] = [m for m in store.sms_inbox() if m["account_id"] == a2]
    verified = await c.verify_sms(
        a2, sms["code"], idempotency_key=k(a2, "sms_verify", f"{a2}/disable_live", "sms_verify")
    )
    assert verified.verification_ticket is not None
    done = await c.disable_live(
        a2,
        verified.verification_ticket,
        idempotency_key=k(a2, "disable_live", f"{a2}/disable_live", "disable"),
    )
    assert done.account.live.permission == "disabled"
    return expected


def logged(store: Store) -> Expected:
    return [(w["account_id"], w["operation"], w["idempotency_key"]) for w in store.writes()]


def fault_counts(store: Store) -> tuple[int, int]:
    """(write requests refused by an injected fault, write answers lost after commit).

    The sandbox logs a lost answer as the success it was; the client's retry of it is then
    a second successful request for one committed write, answered as a replay.
    """
    writes = [r for r in store.request_log() if r["kind"] == "write"]
    refused = sum(1 for r in writes if r["result"] == codes.UNAVAILABLE)
    ok = sum(1 for r in writes if r["result"] == codes.OK)
    return refused, ok - len(store.writes())
