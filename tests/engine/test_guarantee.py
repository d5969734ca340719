"""The plan side of the backup guarantee: what a plan carries for apply to re-verify."""

from __future__ import annotations

from ksctl.backups.store import BackupState
from ksctl.engine.build import plan_account
from ksctl.engine.guarantee import held, lost_replays, parse, required
from tests.engine.factory import actual, desired

ALL_HELD = BackupState(True, True, frozenset({"r1", "r2"}))


def test_a_closing_plan_carries_the_backups_it_did_not_make() -> None:
    # Step 2 of the issue: every backup exists, so the plan has no backup action; without
    # this field apply could not know what to re-verify.
    plan = plan_account(desired(), actual(backups=ALL_HELD))
    assert "a1/disable_live" in [a.address for a in plan.actions]
    assert not [a for a in plan.actions if a.type.value.startswith(("export", "download"))]
    assert plan.backups_held == ("gift_ledger", "interactions", "replay:r1", "replay:r2")
    assert plan.destination == ".ksctl/backups"
    assert plan.model_dump(mode="json")["backups_held"] == list(plan.backups_held)


def test_backups_the_plan_makes_are_not_repeated_and_no_field_without_a_destructive_write() -> None:
    some = BackupState(False, True, frozenset({"r1"}))
    plan = plan_account(desired(), actual(backups=some))
    assert plan.backups_held == ("gift_ledger", "replay:r1")  # interactions, r2: its actions
    keep = plan_account(desired(live={"permission": "enabled"}, privacy=None), actual(backups=some))
    assert not [a for a in keep.actions if a.type.value in ("disable_live", "purge_viewer_pii")]
    assert keep.backups_held == ()
    # absent from the JSON, so that such plans and their checksums are what they were
    assert "backups_held" not in keep.model_dump(mode="json")


def test_required_and_lost() -> None:
    offline = [
        {
            "id": "r1",
            "recorded_at": "2026-11-01T00:00:00+08:00",
            "size_bytes": 1,
            "sha256": "0" * 64,
            "online": False,
        },
        {
            "id": "r2",
            "recorded_at": "2026-11-02T00:00:00+08:00",
            "size_bytes": 1,
            "sha256": "0" * 64,
            "online": True,
        },
    ]
    state = actual(replays=offline)
    assert required(desired(), state) == ["gift_ledger", "interactions", "replay:r2"]
    assert lost_replays(desired(), state) == ["r1"]
    stored = actual(replays=offline, backups=BackupState(False, False, frozenset({"r1"})))
    assert required(desired(), stored)[-2:] == ["replay:r1", "replay:r2"]
    assert lost_replays(desired(), stored) == []
    ignored = desired(backups={"replays": "ignore"})
    assert lost_replays(ignored, state) == []
    assert held(ignored, state, []) == ()
    assert parse("replay:r1") == (parse("replay:r1")[0], "r1")
