"""The store: one SQLite file is one world, whoever opens it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ksctl.contract import codes
from ksctl.sandbox.store import Store, UnknownAccount
from ksctl.sandbox.world import World
from tests.sandbox.driver import Api


def test_two_handles_see_one_world(store: Store) -> None:
    other = Store(store.path)
    other.advance(timedelta(hours=1))
    assert store.now().isoformat() == "2026-11-25T11:00:00+08:00"
    store.set_streaming("solo1", True)
    assert other.account("solo1").live.streaming is True


def test_patch_account_changes_facts_and_bumps_the_version(store: Store, api: Api) -> None:
    store.patch_account("main1", {"certification": {"live_certified": False}})
    state = api.account("main1")
    assert state["certification"] == {"live_certified": False, "blue_v": True}
    assert state["version"] == "2"
    store.patch_account("main1", {"quality_streamer": False}, bump=False)
    assert api.account("main1")["version"] == "2"
    with pytest.raises(UnknownAccount):
        store.patch_account("nobody", {})


def test_patching_schedules_and_bans(store: Store, api: Api) -> None:
    store.patch_account(
        "solo1",
        {
            "schedules": [{"id": "n1", "start_at": "2026-12-24T20:00:00+08:00"}],
            "ban": {"until": "2026-12-31", "reason": "test"},
        },
    )
    state = api.account("solo1")
    assert [s["id"] for s in state["schedules"]] == ["n1"]
    assert state["ban"]["until"] == "2026-12-31T23:59:59+08:00"


def test_reset_returns_to_the_seeded_world(store: Store, api: Api) -> None:
    api.post("/openapi/accounts/main1/certification/live/remove")
    store.advance(timedelta(days=3))
    store.reset()
    assert store.now().isoformat() == "2026-11-25T10:00:00+08:00"
    assert store.writes() == [] and store.request_log() == []
    assert store.account("main1").certification.live_certified is True


def test_the_clock_only_moves_forward(store: Store) -> None:
    with pytest.raises(ValueError, match="forward"):
        store.advance(timedelta(seconds=-1))


def test_seeding_checks_cross_references(store: Store, world: World) -> None:
    broken = world.model_copy(
        update={"accounts": [world.accounts[1].model_copy(update={"parent": "ghost"})]}
    )
    with pytest.raises(ValueError, match="ghost"):
        store.seed(broken)


def test_an_unseeded_sandbox_says_so(tmp_path: Path, portal: object) -> None:
    empty = Store(tmp_path / "empty.db")
    assert not empty.is_seeded()
    api = Api(empty, portal)
    try:
        answer = api.request("GET", "/openapi/quota")
    finally:
        api.close()
    assert answer.status_code == 200 and "seed" in answer.json()["error_msg"]
    assert answer.json()["result"] == codes.UNAVAILABLE


def test_store_repr_holds_no_secrets(store: Store) -> None:
    assert "secret" not in repr(store)
