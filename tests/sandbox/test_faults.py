"""Fault injection: seeded (replayable), errors before handling, answers lost after commit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ksctl.contract import codes
from ksctl.sandbox.faults import draw
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import Faults, World
from tests.sandbox.driver import Api, Wall, accepted, result

CERT = "/openapi/accounts/main1/certification/live/remove"


def results(api: Api, n: int) -> list[int]:
    return [result(api.request("GET", "/openapi/quota", params=api.auth())) for _ in range(n)]


@pytest.fixture
def twin(tmp_path: Path, world: World, portal: Any) -> Iterator[Api]:
    """A second sandbox seeded with the same world, in its own file."""
    store = Store(tmp_path / "twin.db", wall_clock=Wall())
    store.seed(world)
    api = Api(store, portal)
    yield api
    api.close()


def test_the_same_seed_meets_the_same_faults(api: Api, store: Store, twin: Api) -> None:
    api.token()
    twin.token()
    for s in (store, twin.store):
        s.configure(faults={"error_rate": 0.5, "seed": 42})
    first, second = results(api, 40), results(twin, 40)
    assert first == second
    assert {1, codes.UNAVAILABLE} == set(first)


def test_another_seed_meets_other_faults(api: Api, store: Store, twin: Api) -> None:
    api.token()
    twin.token()
    store.configure(faults={"error_rate": 0.5, "seed": 1})
    twin.store.configure(faults={"error_rate": 0.5, "seed": 2})
    assert results(api, 40) != results(twin, 40)


def test_draws_are_a_function_of_seed_and_request_number() -> None:
    faults = Faults(error_rate=0.3, lost_response_rate=0.3, seed=9)
    assert [draw(faults, i) for i in range(50)] == [draw(faults, i) for i in range(50)]
    assert not any(draw(Faults(), i).error for i in range(50))


def test_an_injected_error_changes_nothing(api: Api, store: Store) -> None:
    api.token()
    store.configure(faults={"error_rate": 1.0})
    answer = api.post(CERT)
    assert answer.status_code == 200 and answer.json()["result"] == codes.UNAVAILABLE
    assert store.writes() == []
    store.configure(faults={"error_rate": 0.0})
    assert api.account("main1")["certification"]["live_certified"] is True


def test_a_lost_answer_was_committed_and_a_retry_replays_it(api: Api, store: Store) -> None:
    api.token()
    store.configure(faults={"lost_response_rate": 1.0})
    lost = api.post(CERT, key="retry-me")
    assert lost.status_code == 200 and lost.json()["result"] == codes.UNAVAILABLE
    assert [w["operation"] for w in store.writes()] == ["remove_certification"]
    store.configure(faults={"lost_response_rate": 0.0})
    retry = api.post(CERT, key="retry-me")
    assert accepted(retry)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["changed"] is True  # the first answer, as it would have been
    assert len(store.writes()) == 1


def test_reads_are_never_lost_only_failed(api: Api, store: Store) -> None:
    api.token()
    store.configure(faults={"lost_response_rate": 1.0})
    assert accepted(api.get("/openapi/quota"))


def test_latency(api: Api, store: Store) -> None:
    api.token()
    store.configure(faults={"latency_ms": 60})
    started = time.perf_counter()
    assert accepted(api.get("/openapi/quota"))
    assert time.perf_counter() - started >= 0.06
