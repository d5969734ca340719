"""`ksctl sandbox serve` in another process: one SQLite world, seen and changed by both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.server import served as serve_sandbox
from ksctl.sandbox.embedded import sandbox_path
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World
from tests.sandbox.driver import accepted


@pytest.fixture
def served(tmp_path: Path, world: World) -> Iterator[tuple[str, Store]]:
    store = Store(sandbox_path(tmp_path))
    store.seed(world)
    with serve_sandbox(tmp_path, os.environ) as server:
        yield server.endpoint, store


def token(http: httpx.Client) -> dict[str, str]:
    answer = http.post(
        "/oauth2/access_token",
        params={"app_id": "agency_app", "app_secret": "agency_secret"},
    )
    return {"app_id": "agency_app", "access_token": answer.json()["access_token"]}


def test_two_processes_see_one_world(served: tuple[str, Store]) -> None:
    base, store = served
    with httpx.Client(base_url=base, timeout=10) as http:
        auth = token(http)
        before = http.get("/openapi/accounts/solo1", params=auth).json()["account"]
        assert before["live"]["streaming"] is False
        store.set_streaming("solo1", True)  # this process changes the world...
        after = http.get("/openapi/accounts/solo1", params=auth).json()["account"]
        assert after["live"]["streaming"] is True  # ...the server sees it
        assert after["version"] != before["version"]
        path = "/openapi/accounts/solo1/certification/live/remove"
        changed = http.post(path, params=auth, headers={"Idempotency-Key": "over-http"})
        assert accepted(changed) and changed.json()["changed"] is True
    assert store.account("solo1").certification.live_certified is False  # and the reverse


def test_a_repeated_key_over_http_is_one_write(served: tuple[str, Store]) -> None:
    base, store = served
    path = "/openapi/accounts/main1/features/short_video_tipping/enable"
    with httpx.Client(base_url=base, timeout=10) as http:
        auth = token(http)
        answers = [
            http.post(path, params=auth, headers={"Idempotency-Key": "same-key"}) for _ in range(3)
        ]
    assert [accepted(a) for a in answers] == [True, True, True]
    assert answers[1].content == answers[0].content == answers[2].content
    assert answers[2].headers["Idempotent-Replayed"] == "true"
    assert answers[0].headers["X-Ksctl-Sandbox"] == "1"
    writes = store.writes()
    assert len(writes) == 1
    assert writes[0]["operation"] == "enable_feature" and writes[0]["idempotency_key"] == "same-key"
