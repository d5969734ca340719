"""Backups on the platform side: interaction exports (30-day window), gift-ledger tickets
(fulfilled after a delay), and the viewer phone purge."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World
from tests.sandbox.driver import Api, accepted


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_export_while_live_is_enabled(api: Api, store: Store) -> None:
    answer = api.post("/openapi/accounts/main1/interactions/export").json()
    job = answer["job"]
    assert answer["changed"] is True and job["status"] == "ready"
    assert job["range_end"] == "2026-11-25T10:00:00+08:00"
    assert job["range_start"] == "2026-08-27T10:00:00+08:00"
    assert answer["account"]["open_work"]["export_job"] == job
    content = api.get(f"/openapi/jobs/{job['id']}/content")
    assert accepted(content)
    assert content.headers["content-type"].startswith("text/csv")
    assert content.headers["X-Content-SHA256"] == job["sha256"]
    assert hashlib.sha256(content.content).hexdigest() == job["sha256"]
    assert len(content.content) == job["size_bytes"]
    table = rows(content.content)
    assert len(table) == 90
    assert list(table[0]) == ["date", "danmaku", "likes", "peak_viewers"]
    assert table[0]["date"] == "2026-08-27" and table[-1]["date"] == "2026-11-24"


def test_export_content_is_deterministic(api: Api) -> None:
    first = api.post("/openapi/accounts/main1/interactions/export").json()["job"]
    second = api.post("/openapi/accounts/main1/interactions/export").json()["job"]
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]


def test_export_is_possible_until_30_days_after_closing(api: Api, store: Store) -> None:
    closed = api.account("closed1")["interactions"]
    assert closed == {
        "days": 90,
        "viewer_phone_numbers": 0,
        "exportable": True,
        "exportable_until": "2026-12-01T10:00:00+08:00",
    }
    job = api.post("/openapi/accounts/closed1/interactions/export").json()["job"]
    assert job["range_end"] == "2026-11-01T10:00:00+08:00"  # no data after closing
    store.advance(timedelta(days=6, seconds=1))  # 2026-12-01T10:00:01
    late = api.post("/openapi/accounts/closed1/interactions/export")
    assert late.status_code == 200 and late.json()["result"] == codes.INTERACTIONS_EXPIRED
    assert api.account("closed1")["interactions"]["exportable"] is False
    assert api.get(f"/openapi/jobs/{job['id']}").json()["job"]["status"] == "expired"
    gone = api.get(f"/openapi/jobs/{job['id']}/content")
    assert gone.json()["result"] == codes.INTERACTIONS_EXPIRED


def test_export_with_a_delay_is_pending_then_ready(api: Api, store: Store) -> None:
    store.configure(export_delay_minutes=30)
    first = api.post("/openapi/accounts/main1/interactions/export").json()
    job = first["job"]
    assert job["status"] == "pending" and job["sha256"] is None
    again = api.post("/openapi/accounts/main1/interactions/export").json()
    assert again["changed"] is False and again["job"]["id"] == job["id"]
    early = api.get(f"/openapi/jobs/{job['id']}/content")
    assert early.status_code == 200 and early.json()["result"] == codes.NOT_READY
    store.advance(timedelta(minutes=30))
    assert api.get(f"/openapi/jobs/{job['id']}").json()["job"]["status"] == "ready"
    assert accepted(api.get(f"/openapi/jobs/{job['id']}/content"))
    assert [w["operation"] for w in store.writes()] == ["export_interactions"]


def test_gift_ledger_ticket_is_fulfilled_after_the_delay(api: Api, store: Store) -> None:
    answer = api.post("/openapi/accounts/main1/gift_ledger/tickets").json()
    ticket = answer["ticket"]
    assert ticket["status"] == "open"
    assert ticket["fulfilled_at"] == "2026-11-27T10:00:00+08:00"
    assert ticket["sha256"] is None
    again = api.post("/openapi/accounts/main1/gift_ledger/tickets").json()
    assert again["changed"] is False and again["ticket"]["id"] == ticket["id"]
    early = api.get(f"/openapi/tickets/{ticket['id']}/content")
    assert early.status_code == 200 and early.json()["result"] == codes.NOT_READY
    store.advance(timedelta(hours=48))
    done = api.get(f"/openapi/tickets/{ticket['id']}").json()["ticket"]
    assert done["status"] == "fulfilled"
    content = api.get(f"/openapi/tickets/{ticket['id']}/content")
    assert accepted(content)
    assert hashlib.sha256(content.content).hexdigest() == done["sha256"]
    assert content.headers["X-Content-SHA256"] == done["sha256"]
    ledger = rows(content.content)
    assert ledger and list(ledger[0]) == ["time", "viewer", "gift", "count", "kuaibi"]
    assert all(r["viewer"].startswith("viewer-") for r in ledger)


def test_purging_viewer_phone_numbers(api: Api, store: Store) -> None:
    first = api.post("/openapi/accounts/main1/privacy/purge_viewer_phones").json()
    assert first["changed"] is True and first["purged"] == 120
    assert first["account"]["interactions"]["viewer_phone_numbers"] == 0
    again = api.post("/openapi/accounts/main1/privacy/purge_viewer_phones").json()
    assert again["changed"] is False and again["purged"] == 0
    assert [w["operation"] for w in store.writes()] == ["purge_viewer_phones"]


def test_unknown_jobs_and_tickets(api: Api) -> None:
    for path in ("/openapi/jobs/job-999999", "/openapi/tickets/tkt-1", "/openapi/appeals/a"):
        answer = api.get(path)
        assert answer.status_code == 200 and answer.json()["result"] == codes.NOT_FOUND


def test_an_account_closed_before_records_began_has_nothing_left_to_export(
    api: Api, store: Store, world: World
) -> None:
    data = world.model_dump(mode="json")
    closed = next(a for a in data["accounts"] if a["id"] == "closed1")
    closed["live"]["closed_at"] = None  # disabled, with no date: docs/rehearsal.md
    store.seed(World.model_validate(data))
    interactions = api.account("closed1")["interactions"]
    assert interactions["exportable"] is False and interactions["exportable_until"] is None
    late = api.post("/openapi/accounts/closed1/interactions/export")
    assert late.status_code == 200 and late.json()["result"] == codes.INTERACTIONS_EXPIRED
