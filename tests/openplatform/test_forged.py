"""A forged or stale attestation: caught where the API can see, reported where it cannot."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.apply.conftest import Workspace

HARD = "3xk9d2a1"  # hard closure: its replays are works the API lists
SOFT = "8qv2n6e4"


def plan(ws: Workspace, account: str) -> dict[str, Any]:
    result = ws.ksctl("plan", "accounts.yaml", "--format", "json", "--target", account)
    assert result.exit_code == 0, result.output
    (acc,) = json.loads(result.output[result.output.index("{") :])["accounts"]
    return acc  # type: ignore[no-any-return]


def steps(acc: dict[str, Any]) -> set[str]:
    return {a["type"] for a in acc["actions"]}


def source(acc: dict[str, Any], value: str) -> dict[str, str]:
    return next(s for s in acc["sources"] if s["value"] == value)


def test_a_forged_takedown_is_caught_by_photo_list_after_the_review_time(
    open_ws: Workspace,
) -> None:
    ws = open_ws
    for step in ("cancel_schedule", "disable_live", "takedown_replays"):  # nobody did them
        assert ws.ksctl("confirm", HARD, step, "--by", "说谎者").exit_code == 0
    acc = plan(ws, HARD)
    (down,) = [a for a in acc["actions"] if a["type"] == "takedown_replays"]
    assert "under review" in down["waits_for"]  # believed while the platform could be reviewing
    ws.store.advance(timedelta(hours=73))
    acc = plan(ws, HARD)
    assert "takedown_replays" in steps(acc)
    assert any("photo/list still shows r1, r2, r3" in w for w in acc["warnings"])
    assert source(acc, "takedown appeal")["how"] == "contradicted"


def test_a_forged_closure_is_caught_by_a_later_work_or_else_reported_as_attested(
    open_ws: Workspace,
) -> None:
    ws = open_ws
    assert ws.ksctl("confirm", SOFT, "disable_live", "--by", "说谎者").exit_code == 0
    acc = plan(ws, SOFT)  # the API cannot see live permission: reported, not verified
    assert "disable_live" not in steps(acc)
    said = source(acc, "live.permission")
    assert (said["shown"], said["how"]) == ("disabled", "attested")
    assert said["detail"].startswith("attested by 说谎者 at ")
    text = ws.ksctl("plan", "accounts.yaml", "--target", SOFT).output
    assert "attested: live.permission disabled (attested by 说谎者" in text

    # The account goes live again and keeps the replay as a work: the API sees that.
    ws.store.advance(timedelta(days=2))
    later = (ws.store.now() - timedelta(hours=1)).isoformat()
    replays = [r.model_dump(mode="json") for r in ws.store.account(SOFT).replays]
    replays.append({"id": "r9", "title": "又开播了", "recorded_at": later, "size_bytes": 200000})
    ws.store.patch_account(SOFT, {"replays": replays})
    acc = plan(ws, SOFT)
    assert "disable_live" in steps(acc)
    assert any("work r9 was recorded" in w and "set aside" in w for w in acc["warnings"])
    assert source(acc, "live.permission")["how"] == "contradicted"


def test_a_stale_attestation_is_asked_for_again(open_ws: Workspace) -> None:
    ws = open_ws
    assert ws.ksctl("confirm", SOFT, "cancel_schedule", "--by", "王五").exit_code == 0
    assert "cancel_schedule" not in steps(plan(ws, SOFT))
    ws.store.advance(timedelta(days=31))
    acc = plan(ws, SOFT)
    assert "cancel_schedule" in steps(acc)
    assert source(acc, "schedules")["how"] == "expired"
    checklist = ws.ksctl("plan", "accounts.yaml", "--format", "checklist", "--target", SOFT)
    assert "check again: schedules was attested by 王五" in checklist.output
