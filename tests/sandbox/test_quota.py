"""Limits (platform rules): writes per app per day, reset at 00:00 Asia/Shanghai of the virtual
clock; reads per real second. Both answer 429 with Retry-After."""

from __future__ import annotations

from datetime import timedelta

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, Wall, accepted

FEATURE = "/openapi/accounts/main1/features/short_video_tipping/{}"


def toggle(api: Api, on: bool) -> tuple[int, dict[str, object]]:
    answer = api.post(FEATURE.format("enable" if on else "disable"))
    return answer.status_code, {"json": answer.json(), "headers": answer.headers}


def test_quota_counts_only_changes_and_resets_at_midnight_shanghai(api: Api, store: Store) -> None:
    store.configure(write_quota_per_day=3)
    first = api.post(FEATURE.format("enable"))
    assert first.headers["X-Quota-Remaining"] == "2"
    assert first.headers["X-Quota-Reset"] == "2026-11-26T00:00:00+08:00"
    # a no-op and a refused write cost nothing
    assert api.post(FEATURE.format("enable")).json()["changed"] is False
    refused = api.post("/openapi/accounts/main1/live/disable", json={"verification_ticket": "x"})
    assert refused.status_code == 200 and refused.json()["result"] == codes.PENDING_SCHEDULE
    assert api.get("/openapi/quota").json()["quota"] == {
        "per_day": 3,
        "used": 1,
        "remaining": 2,
        "resets_at": "2026-11-26T00:00:00+08:00",
    }
    assert accepted(api.post(FEATURE.format("disable")))
    assert accepted(api.post(FEATURE.format("enable")))
    over = api.post(FEATURE.format("disable"))
    assert over.status_code == 200  # Retry-After and the quota headers ride on the 200
    assert over.json()["result"] == codes.OVER_LIMIT
    assert over.headers["Retry-After"] == str(14 * 3600)  # 10:00 -> 24:00
    assert over.headers["X-Quota-Remaining"] == "0"
    # still answered when nothing would change
    assert api.post(FEATURE.format("enable")).json()["changed"] is False
    store.advance(timedelta(hours=13, minutes=59, seconds=59))
    assert api.post(FEATURE.format("disable")).headers["Retry-After"] == "1"
    store.advance(timedelta(seconds=1))  # 00:00 Shanghai
    passed = api.post(FEATURE.format("disable"))
    assert accepted(passed)
    assert passed.headers["X-Quota-Remaining"] == "2"
    assert len(store.writes()) == 4


def test_idempotent_replays_cost_nothing(api: Api, store: Store) -> None:
    store.configure(write_quota_per_day=1)
    first = api.post(FEATURE.format("enable"), key="k-1")
    replay = api.post(FEATURE.format("enable"), key="k-1")
    assert accepted(replay) and replay.content == first.content
    assert api.get("/openapi/quota").json()["quota"]["used"] == 1


def test_quota_is_per_app(api: Api, store: Store, api_for: object) -> None:
    store.configure(write_quota_per_day=1)
    assert accepted(api.post(FEATURE.format("enable")))
    matrix = api_for("matrix_app")  # type: ignore[operator]
    assert accepted(matrix.post(FEATURE.format("disable")))


def test_read_rate_per_real_second(api: Api, store: Store, wall: Wall) -> None:
    store.configure(read_rate_per_second=3)
    api.token()
    assert [api.get("/openapi/quota").status_code for _ in range(3)] == [200, 200, 200]
    over = api.get("/openapi/accounts/main1")
    assert over.status_code == 200
    assert over.json()["result"] == codes.OVER_LIMIT
    assert over.headers["Retry-After"] == "1"
    wall.tick(1)
    assert accepted(api.get("/openapi/accounts/main1"))
    # writes are not reads
    assert accepted(api.post(FEATURE.format("enable")))
