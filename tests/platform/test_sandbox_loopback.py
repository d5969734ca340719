"""The client over real sockets against `ksctl sandbox serve` in another process.

The test process and the server share the world file, so the test reads the server's
write log directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ksctl.compose import resolve_target
from ksctl.platform.errors import AccountBanned
from ksctl.platform.target import open_client
from ksctl.sandbox.store import Store
from tests.platform.fakes import FakeClock, run
from tests.platform.sandboxes import (
    PATIENT,
    CuttingTransport,
    closure_sequence,
    fault_counts,
    logged,
    served,
)


@pytest.fixture
def endpoint(store: Store, tmp_path: Path) -> Iterator[str]:
    with served(tmp_path) as url:
        yield url


def env(url: str) -> dict[str, str]:
    return {"KSCTL_ENDPOINT": url, "KSCTL_APP_ID": "demo_app", "KSCTL_APP_SECRET": "demo_secret"}


def test_writes_under_faults_happen_exactly_once_over_loopback(
    store: Store, endpoint: str, tmp_path: Path, clock: FakeClock
) -> None:
    store.configure(
        faults={"error_rate": 0.25, "lost_response_rate": 0.3, "latency_ms": 5, "seed": 11}
    )
    target = resolve_target(env(endpoint), tmp_path)
    assert not target.sandbox  # not known before the first answer...

    async def go() -> None:
        async with open_client(target, retry=PATIENT, clock=clock) as c:
            expected = await closure_sequence(c, store)
            assert c.is_sandbox  # ...but the served sandbox says so
            assert logged(store) == expected
            refused, lost = fault_counts(store)
            assert refused >= 1 and lost >= 1

    run(go())


def test_a_download_cut_half_way_resumes_over_loopback(
    store: Store, endpoint: str, tmp_path: Path, clock: FakeClock
) -> None:
    cutting = CuttingTransport(httpx.AsyncHTTPTransport(), after=250_000)
    dest = tmp_path / "out" / "r1.mp4"
    target = resolve_target(env(endpoint), tmp_path)

    async def go() -> None:
        async with open_client(target, transport=cutting, clock=clock) as c:
            [r1] = [
                r
                for r in (await c.get_accounts(["3xk9d2a1"])).accounts["3xk9d2a1"].replays
                if r.id == "r1"
            ]
            got = await c.download_replay("3xk9d2a1", r1, dest)
            assert got.resumes == 1
            assert hashlib.sha256(dest.read_bytes()).hexdigest() == r1.sha256

    run(go())
    assert cutting.ranges == [None, "bytes=250000-"]


def test_typed_errors_over_loopback(store: Store, endpoint: str, tmp_path: Path) -> None:
    async def go() -> None:
        async with open_client(resolve_target(env(endpoint), tmp_path)) as c:
            with pytest.raises(AccountBanned, match="banned until 2026-12-31"):
                await c.enable_live("3xb4nned", idempotency_key="x1")

    run(go())
