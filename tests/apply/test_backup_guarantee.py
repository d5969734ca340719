"""Issue 12 §1: the backup guarantee holds at the moment of every destructive write.

The issue's five steps: backups made while live stays on; a hard-closure plan that, since
the backups exist, holds no backup action; the backup store wiped; the plan applied; the
next plan. Apply must verify the required backups again right before closing live and
before the takedown, fetch again what the platform still serves, and stop an account whose
backup can no longer be had; the next plan must report lost data as lost.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from ksctl.app import apply as command  # where apply_plan is called
from ksctl.backups.manifest import BackupKind
from ksctl.backups.store import BackupStore, LocalSink
from ksctl.sandbox.world import World
from tests.apply.conftest import Workspace
from tests.conftest import assert_no_write_twice

ID = "3xk9d2a1"
PROOF = "国作登字-2026-F-00123456"
WORLD: dict[str, Any] = {
    "platform": {
        "now": "2026-11-25T10:00:00+08:00",
        "gift_ledger_delay_hours": 0,
        "takedown_review_hours": 72,
    },
    "apps": [{"app_id": "demo_app", "app_secret": "demo_secret", "admin_orgs": ["org_fashion"]}],
    "accounts": [
        {
            "id": ID,
            "name": "潮牌服饰旗舰店",
            "kind": "enterprise",
            "org": "org_fashion",
            "phone": "13800001234",
            "live": {"permission": "enabled"},
            "certification": {"live_certified": True, "blue_v": True},
            "replays": [
                {
                    "id": "r1",
                    "title": "秋冬上新",
                    "recorded_at": "2026-11-01T20:00:00+08:00",
                    "size_bytes": 4096,
                },
                {
                    "id": "r2",
                    "title": "双11",
                    "recorded_at": "2026-11-11T20:00:00+08:00",
                    "size_bytes": 8192,
                },
            ],
            "interactions": {"days": 90, "viewer_phone_numbers": 0},
        }
    ],
}
BACKUPS = {"interactions": "present", "gift_ledger": "present", "replays": "present"}
KEEP = {
    "version": 1,
    "accounts": [{"id": ID, "live": {"permission": "enabled"}, "backups": BACKUPS}],
}
CLOSE = {
    "version": 1,
    "accounts": [
        {
            "id": ID,
            "backups": BACKUPS,
            "live": {"permission": "disabled", "closure": "hard", "copyright_proof": PROOF},
        }
    ],
}
DEST = Path(".ksctl") / "backups"
ALL = [
    (BackupKind.interactions, None),
    (BackupKind.gift_ledger, None),
    (BackupKind.replay, "r1"),
    (BackupKind.replay, "r2"),
]


def setup(ws: Workspace) -> None:
    """Steps 1 and 2's ground: a world, and every backup made while live stays on."""
    ws.store.seed(World.model_validate(WORLD))
    for name, config in (("keep.yaml", KEEP), ("close.yaml", CLOSE)):
        (ws.root / name).write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    made = ws.ksctl("apply", "keep.yaml", "--auto-approve")
    assert made.exit_code == 0, made.stderr
    assert all(store(ws).verified(k, ID, t) for k, t in ALL)


def store(ws: Workspace) -> BackupStore:
    return BackupStore(LocalSink(ws.root / DEST))


def fetched_before(ws: Workspace, operation: str) -> set[str]:
    """The content paths downloaded before the account's write `operation` committed."""
    log = ws.store.request_log()
    seq = {r["request_id"]: r["seq"] for r in log if r["request_id"]}
    write = next(w for w in ws.store.writes() if w["operation"] == operation)
    return {
        r["path"]
        for r in log
        if r["path"].endswith("/content")
        and r["status"] in (200, 206)
        and r["result"] == 1  # a refused download is HTTP 200 too
        and r["seq"] < seq[write["request_id"]]
    }


def assert_fetched_again_before_closing(ws: Workspace, wiped_at: int) -> None:
    log = ws.store.request_log()
    seq = {r["request_id"]: r["seq"] for r in log if r["request_id"]}
    close = next(w for w in ws.store.writes() if w["operation"] == "disable_live")
    again = {
        r["path"].split("/")[-3] + "/" + r["path"].split("/")[-2]
        for r in log
        if r["path"].endswith("/content")
        and r["status"] in (200, 206)
        and r["result"] == 1  # a refused download is HTTP 200 too
        and wiped_at < r["seq"] < seq[close["request_id"]]
    }
    assert {"replays/r1", "replays/r2"} <= again, again
    assert any(p.startswith("jobs/") for p in again), again
    assert any(p.startswith("tickets/") for p in again), again


def last_seq(ws: Workspace) -> int:
    return max(r["seq"] for r in ws.store.request_log())


def finish_and_check_in_sync(ws: Workspace) -> None:
    ws.store.advance(timedelta(hours=73))  # the takedown review
    done = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert done.exit_code == 0, done.stderr
    plan = ws.ksctl("plan", "close.yaml", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert all(store(ws).verified(k, ID, t) for k, t in ALL)
    assert_no_write_twice(ws.store.writes())


def test_saved_plan_fetches_the_vanished_backups_again_before_closing(ws: Workspace) -> None:
    setup(ws)
    made = ws.ksctl("plan", "close.yaml", "--out", "plan.json")
    assert made.exit_code == 0, made.stderr
    account = json.loads(Path("plan.json").read_text(encoding="utf-8"))["accounts"][0]
    assert [a["type"] for a in account["actions"]] == ["disable_live", "takedown_replays"]
    assert account["backups_held"] == ["gift_ledger", "interactions", "replay:r1", "replay:r2"]
    shutil.rmtree(DEST)  # step 3: a disk wiped, a lifecycle rule, a mistake
    wiped_at = last_seq(ws)
    applied = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert applied.exit_code == 3, applied.stderr  # the takedown appeal is under review
    assert_fetched_again_before_closing(ws, wiped_at)
    assert all(store(ws).verified(k, ID, t) for k, t in ALL)
    finish_and_check_in_sync(ws)


def test_from_config_the_same_when_the_store_empties_between_plan_and_apply(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(ws)
    apply_plan = command.apply_plan
    wiped: list[int] = []

    def wipe_then_apply(*args: Any, **kwargs: Any) -> Any:
        shutil.rmtree(DEST)
        wiped.append(last_seq(ws))
        return apply_plan(*args, **kwargs)

    monkeypatch.setattr(command, "apply_plan", wipe_then_apply)
    applied = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert applied.exit_code == 3, applied.stderr
    assert_fetched_again_before_closing(ws, wiped[0])
    monkeypatch.setattr(command, "apply_plan", apply_plan)
    finish_and_check_in_sync(ws)


def soft_closed_long_ago(ws: Workspace) -> None:
    """Live closed softly with every backup; then the 30-day export window passes."""
    setup(ws)
    soft = {
        "version": 1,
        "accounts": [
            {"id": ID, "backups": BACKUPS, "live": {"permission": "disabled", "closure": "soft"}}
        ],
    }
    (ws.root / "soft.yaml").write_text(yaml.safe_dump(soft), encoding="utf-8")
    closed = ws.ksctl("apply", "soft.yaml", "--auto-approve")
    assert closed.exit_code == 0, closed.stderr
    ws.store.advance(timedelta(days=31))


@pytest.mark.parametrize("saved", [True, False])
def test_a_backup_the_platform_no_longer_serves_stops_the_account(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, saved: bool
) -> None:
    soft_closed_long_ago(ws)
    writes = len(ws.store.writes())
    if saved:
        made = ws.ksctl("plan", "close.yaml", "--out", "plan.json")
        assert made.exit_code == 0, made.stderr
        shutil.rmtree(DEST)
        applied = ws.ksctl("apply", "plan.json", "--auto-approve")
    else:
        apply_plan = command.apply_plan

        def wipe_then_apply(*args: Any, **kwargs: Any) -> Any:
            shutil.rmtree(DEST)
            return apply_plan(*args, **kwargs)

        monkeypatch.setattr(command, "apply_plan", wipe_then_apply)
        applied = ws.ksctl("apply", "close.yaml", "--auto-approve")
        monkeypatch.setattr(command, "apply_plan", apply_plan)
    assert applied.exit_code == 1, applied.stderr
    line = next(x for x in applied.stderr.splitlines() if x.startswith(f"account {ID}: failed"))
    assert "the interaction data is lost" in line, line
    assert "takedown_replays not done" in line, line
    assert [w["operation"] for w in ws.store.writes()[writes:]] == []  # no takedown appeal
    # and the next plan says what is lost instead of offering the takedown
    plan = ws.ksctl("plan", "close.yaml")
    assert plan.exit_code == 1
    assert "interaction data is already lost" in plan.stdout + plan.stderr


def test_refresh_reports_replays_lost_after_the_takedown_never_in_sync(ws: Workspace) -> None:
    setup(ws)
    closed = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert closed.exit_code == 3, closed.stderr
    finish_and_check_in_sync(ws)  # taken down, every copy verified: in sync
    shutil.rmtree(DEST / ID / "replays")
    plan = ws.ksctl("plan", "close.yaml", "--detailed-exitcode")
    assert plan.exit_code == 1, plan.stdout
    assert "replay(s) r1, r2 are lost" in plan.stdout
    assert f"# account {ID} (潮牌服饰旗舰店): error" in plan.stdout
    again = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert again.exit_code == 1


def forget_the_ledger_ticket(ws: Workspace) -> None:
    """The platform no longer lists the fulfilled ticket (a real one is kept for a while
    only): fetching the ledger again means asking for it again, a write call. The row is
    moved aside, not deleted, so the next ticket gets a new id as on the platform."""
    with ws.store.transaction() as conn:
        conn.execute("UPDATE tickets SET account_id = 'forgotten' WHERE account_id = ?", (ID,))


def test_a_refetch_that_needs_a_write_waits_for_the_quota_then_proceeds(
    ws: Workspace,
) -> None:
    setup(ws)
    made = ws.ksctl("plan", "close.yaml", "--out", "plan.json")
    assert made.exit_code == 0, made.stderr
    account = json.loads(Path("plan.json").read_text(encoding="utf-8"))["accounts"][0]
    assert "gift_ledger" in account["backups_held"]
    (DEST / ID / "gift_ledger.csv").unlink()
    forget_the_ledger_ticket(ws)
    # Today's quota leaves exactly the plan's own write calls: none for asking again.
    before = ws.store.writes()
    ws.store.configure(
        write_quota_per_day=len(before) + sum(a["write_calls"] for a in account["actions"])
    )
    waited = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert waited.exit_code == 3, waited.stderr
    assert "gift ledger again needs a write call and the day's quota is spent" in waited.stderr
    assert ws.store.writes() == before  # nothing destructive, not even an SMS
    assert not store(ws).verified(BackupKind.gift_ledger, ID, None)
    assert ws.store.version(ID) == account["version"]
    ws.store.advance(timedelta(hours=25))  # the quota resets
    again = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert again.exit_code == 3, again.stderr  # the takedown appeal is under review
    operations = [w["operation"] for w in ws.store.writes()[len(before) :]]
    assert operations[0] == "request_gift_ledger", operations
    assert "disable_live" in operations and "takedown_appeal" in operations, operations
    assert store(ws).verified(BackupKind.gift_ledger, ID, None)
    finish_and_check_in_sync(ws)
