"""Takedown appeals (内容申诉, docs/platform-api.md): a copyright proof, a review delay, replays go
offline once approved (evaluated from the clock on read)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api

APPEALS = "/openapi/accounts/main1/appeals"


@pytest.mark.parametrize("body", [None, {}, {"copyright_proof": ""}, {"copyright_proof": "  "}])
def test_an_appeal_needs_a_copyright_proof(api: Api, store: Store, body: object) -> None:
    answer = api.post(APPEALS, json=body)
    assert answer.status_code == 200
    assert answer.json()["result"] == codes.COPYRIGHT_PROOF_REQUIRED
    assert store.writes() == []


def test_appeal_is_reviewed_then_replays_go_offline(api: Api, store: Store) -> None:
    opened = api.post(APPEALS, json={"copyright_proof": "国作登字-2026-F-00123456"}).json()
    appeal = opened["appeal"]
    assert opened["changed"] is True
    assert appeal["status"] == "reviewing" and appeal["replay_ids"] == ["r1", "r2"]
    assert appeal["decided_at"] == "2026-11-28T10:00:00+08:00"
    again = api.post(APPEALS, json={"copyright_proof": "国作登字-2026-F-00123456"}).json()
    assert again["changed"] is False and again["appeal"]["id"] == appeal["id"]
    assert all(r["online"] for r in api.account("main1")["replays"])

    store.advance(timedelta(hours=72))
    assert api.get(f"/openapi/appeals/{appeal['id']}").json()["appeal"]["status"] == "approved"
    state = api.account("main1")
    assert [r["online"] for r in state["replays"]] == [False, False]
    assert state["open_work"]["takedown_appeal"]["status"] == "approved"
    listed = api.get("/openapi/accounts/main1/replays").json()["replays"]
    assert not any(r["online"] for r in listed)
    gone = api.get("/openapi/accounts/main1/replays/r1/content")
    assert gone.status_code == 200 and gone.json()["result"] == codes.NOT_FOUND

    nothing_left = api.post(APPEALS, json={"copyright_proof": "x"}).json()
    assert nothing_left["changed"] is False
    assert [w["operation"] for w in store.writes()] == ["takedown_appeal"]
