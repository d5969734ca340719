"""Account reads: batches, paging, versions, access reported instead of refused."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from ksctl.contract import codes
from ksctl.contract.wire import AccountsPage
from ksctl.sandbox import db
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, accepted


def test_batch_read_keeps_order_and_lists_missing_ids(api: Api) -> None:
    answer = api.get("/openapi/accounts", ids="solo1,nope,main1,solo1")
    page = AccountsPage.model_validate(answer.json())
    assert [a.id for a in page.accounts] == ["solo1", "main1"]
    assert page.missing == ["nope"]
    assert page.next_cursor is None


def test_account_state_shows_the_world(api: Api) -> None:
    main = api.account("main1")
    assert main["version"] == "1"
    assert main["phone_masked"] == "138****1234"
    assert main["live"] == {"permission": "enabled", "closed_at": None, "streaming": False}
    assert main["certification"] == {"live_certified": True, "blue_v": True}
    # inline schedules are the pending future ones only
    assert [s["id"] for s in main["schedules"]] == ["s1"]
    assert [r["id"] for r in main["replays"]] == ["r1", "r2"]
    assert all(len(r["sha256"]) == 64 and r["online"] for r in main["replays"])
    assert main["interactions"] == {
        "days": 90,
        "viewer_phone_numbers": 120,
        "exportable": True,
        "exportable_until": None,
    }
    assert main["access"] == {"write": True, "reason": None}


def test_phones_never_leave_unmasked(api: Api) -> None:
    answer = api.get("/openapi/accounts", ids="main1,sub1,inst1,solo1")
    assert "13800001234" not in answer.text and "13800001237" not in answer.text


def test_single_read_has_the_version_as_etag(api: Api, store: Store) -> None:
    answer = api.get("/openapi/accounts/main1")
    assert answer.headers["ETag"] == '"1"'
    store.patch_account("main1", {"quality_streamer": False})
    assert api.get("/openapi/accounts/main1").headers["ETag"] == '"2"'


def test_unknown_account_is_404(api: Api) -> None:
    answer = api.get("/openapi/accounts/nobody")
    assert answer.status_code == 200 and answer.json()["result"] == codes.NOT_FOUND


def test_access_is_reported_not_refused(api: Api) -> None:
    page = api.get("/openapi/accounts", ids="sub1,inst1,inst2,stranger1").json()
    access = {a["id"]: a["access"] for a in page["accounts"]}
    assert access["sub1"] == {"write": True, "reason": None}  # via its matrix main account
    assert access["inst1"]["write"] is True  # admin of org_city
    assert access["inst2"]["write"] is False and "org_elsewhere" in access["inst2"]["reason"]
    assert access["stranger1"]["write"] is False and "no grant" in access["stranger1"]["reason"]


def test_ids_batches_page_with_count(api: Api) -> None:
    ids = "main1,sub1,inst1,solo1,closed1"
    first = api.get("/openapi/accounts", ids=ids, count=2).json()
    assert [a["id"] for a in first["accounts"]] == ["main1", "sub1"]
    second = api.get("/openapi/accounts", ids=ids, count=2, cursor=first["next_cursor"]).json()
    third = api.get("/openapi/accounts", ids=ids, count=2, cursor=second["next_cursor"]).json()
    assert [a["id"] for a in second["accounts"] + third["accounts"]] == [
        "inst1",
        "solo1",
        "closed1",
    ]
    assert third["next_cursor"] is None


def test_more_than_200_ids_is_a_bad_request(api: Api) -> None:
    ids = ",".join(f"a{i}" for i in range(201))
    answer = api.get("/openapi/accounts", ids=ids)
    assert answer.status_code == 200 and answer.json()["result"] == codes.BAD_REQUEST


def test_bad_cursor_and_count_are_bad_requests(api: Api) -> None:
    assert api.get("/openapi/accounts", cursor="%%%").json()["result"] == codes.BAD_REQUEST
    answer = api.get("/openapi/accounts", count=0)
    assert answer.status_code == 200 and answer.json()["result"] == codes.BAD_REQUEST


def test_without_ids_every_managed_account_in_pages(api: Api) -> None:
    seen: list[str] = []
    cursor = ""
    while True:
        page = api.get("/openapi/accounts", count=3, cursor=cursor).json()
        seen += [a["id"] for a in page["accounts"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == sorted(seen)
    assert "inst2" not in seen and "stranger1" not in seen
    assert {"main1", "sub1", "inst1", "solo1", "closed1"} <= set(seen)


def test_schedule_listing_shows_every_status(api: Api) -> None:
    page = api.get("/openapi/accounts/main1/schedules").json()
    assert {s["id"]: s["status"] for s in page["schedules"]} == {
        "s3": "elapsed",
        "s1": "pending",
        "s2": "cancelled",
    }


def test_replay_listing_pages(api: Api) -> None:
    first = api.get("/openapi/accounts/main1/replays", count=1).json()
    second = api.get("/openapi/accounts/main1/replays", count=1, cursor=first["next_cursor"]).json()
    assert [r["id"] for r in first["replays"] + second["replays"]] == ["r1", "r2"]
    assert second["next_cursor"] is None


def test_inline_lists_are_truncated_at_50(api: Api, store: Store) -> None:
    replays = [
        {"id": f"x{i:03d}", "recorded_at": "2026-10-01T20:00:00+08:00", "size_bytes": 10}
        for i in range(60)
    ]
    store.patch_account("solo1", {"replays": replays})
    state = api.account("solo1")
    assert len(state["replays"]) == 50 and state["replays_truncated"] is True
    listed = api.get("/openapi/accounts/solo1/replays").json()["replays"]
    assert len(listed) == 60


def _count_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    statements: list[str] = []
    connect = db.connect

    def traced(path: Any) -> sqlite3.Connection:
        conn = connect(path)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(db, "connect", traced)
    return statements


def test_a_batch_costs_the_same_few_queries_whatever_its_size(
    api: Api, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = store.world()
    many = [
        {
            "id": f"bulk{i:04d}",
            "kind": "personal",
            "live": {"permission": "enabled"},
            "schedules": [{"id": "s1", "start_at": "2026-12-24T20:00:00+08:00"}],
            "replays": [{"id": "r1", "recorded_at": "2026-11-01T20:00:00+08:00", "size_bytes": 64}],
        }
        for i in range(400)
    ]
    store.seed(world.model_validate({**world.model_dump(), "accounts": many}))
    api.token(fresh=True)

    def selects(ids: list[str]) -> int:
        statements = _count_queries(monkeypatch)
        answer = api.get("/openapi/accounts", ids=",".join(ids))
        assert accepted(answer) and len(answer.json()["accounts"]) == len(ids)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    small = selects([f"bulk{i:04d}" for i in range(2)])
    large = selects([f"bulk{i:04d}" for i in range(200)])
    assert large == small <= 16
