"""`ksctl apply` end to end on sandbox worlds (issue 6's definition of done)."""

from __future__ import annotations

import collections
import shutil
from datetime import timedelta
from pathlib import Path

from benchmarks import worlds
from ksctl.backups.manifest import BackupKind
from ksctl.backups.store import BackupStore, LocalSink
from tests.apply.conftest import Workspace
from tests.conftest import ROOT, assert_no_write_twice


def copy_example(ws: Workspace) -> str:
    shutil.copy(ROOT / "examples" / "accounts.yaml", ws.root / "accounts.yaml")
    return "accounts.yaml"


def assert_backups_before_closing(ws: Workspace) -> None:
    """In the journal, an account's live closes only after each of its backups finished."""
    finished: dict[str, set[str]] = collections.defaultdict(set)
    planned: dict[str, set[str]] = collections.defaultdict(set)
    for event in ws.journal():
        address = event.get("address", "")
        account, _, kind = address.partition("/")
        if event["event"] == "start" and kind.startswith(("export", "download")):
            planned[account].add(address)
        if event["event"] == "end" and event["outcome"] in ("done", "already"):
            if kind == "disable_live" and event["writes"]:
                assert planned[account] <= finished[account], address
            finished[account].add(address)


def test_demo_world_converges_then_nothing_to_do(ws: Workspace) -> None:
    config = copy_example(ws)
    first = ws.ksctl("apply", config, "--auto-approve")
    assert first.exit_code == 3, first.stderr
    assert "Work left: run ksctl apply again after 2026-11-27T10:00:00+08:00" in first.stderr
    ws.store.advance(timedelta(hours=49))  # past the gift-ledger delay
    second = ws.ksctl("apply", config, "--auto-approve")
    assert second.exit_code == 3, second.stderr  # the takedown appeal is under review
    assert "takedown appeal" in second.stderr
    ws.store.advance(timedelta(hours=73))
    third = ws.ksctl("apply", config, "--auto-approve")
    assert third.exit_code == 0, third.stderr
    writes = len(ws.store.writes())
    fourth = ws.ksctl("apply", config, "--auto-approve")
    assert fourth.exit_code == 0
    assert "No changes" in fourth.stdout
    assert len(ws.store.writes()) == writes  # the log proves: zero write calls
    assert_no_write_twice(ws.store.writes())
    assert_backups_before_closing(ws)
    store = BackupStore(LocalSink(ws.root / ".ksctl" / "backups"))
    assert store.verified(BackupKind.gift_ledger, "3xk9d2a1")
    assert store.verified(BackupKind.replay, "3xk9d2a1", "r2")
    for path in (ws.root / ".ksctl" / "backups").rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o077 == 0, path


def test_plan_larger_than_a_day_converges_over_several_days(ws: Workspace) -> None:
    # Twelve streaming accounts, seven write calls each to close, twenty calls a day.
    ws.store.seed(worlds.world(12, quota=20))
    (ws.root / "accounts.yaml").write_text(worlds.config_text(12), encoding="utf-8")
    plan = ws.ksctl("plan", "accounts.yaml")
    assert "84 write calls (20 of 20 write calls left today; converges in 6 days" in plan.stdout
    refused = ws.ksctl("apply", "accounts.yaml", "--auto-approve")
    assert refused.exit_code == 4  # 12 of 12 accounts closing: over the safety threshold
    assert "apply with --force" in refused.stderr
    assert ws.store.writes() == []
    codes = []
    for _ in range(10):
        result = ws.ksctl("apply", "accounts.yaml", "--auto-approve", "--force")
        codes.append(result.exit_code)
        if result.exit_code == 0:
            break
        assert result.exit_code == 3, result.stderr
        assert "write quota" in result.stderr
        per_day = collections.Counter(w["at"][:10] for w in ws.store.writes())
        assert max(per_day.values()) <= 20
        ws.store.advance(timedelta(days=1))
    assert codes[-1] == 0 and codes[:-1] == [3] * (len(codes) - 1)
    assert len(codes) >= 6
    # Accounts are finished whole: no account was left half-way at the end of a day.
    assert_backups_before_closing(ws)
    assert_no_write_twice(ws.store.writes())
    final = ws.ksctl("plan", "accounts.yaml", "--detailed-exitcode")
    assert final.exit_code == 0


def test_saved_plan_is_refused_when_the_world_changed(ws: Workspace) -> None:
    config = copy_example(ws)
    saved = ws.ksctl("plan", config, "--out", "plan.json")
    assert saved.exit_code == 0
    ws.store.set_streaming("3xm7c5b0", True)  # the platform changes under the plan
    result = ws.ksctl("apply", "plan.json")
    assert result.exit_code == 4
    assert "3xm7c5b0 (version 1 -> 2)" in result.stderr
    assert "plan again" in result.stderr
    assert ws.store.writes() == []


def test_saved_plan_applies_exactly_that_plan(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.ksctl("plan", config, "--target", "5wl8t3q6", "--out", "plan.json")
    result = ws.ksctl("apply", "plan.json")
    assert result.exit_code == 0, result.stderr
    touched = {w["account_id"] for w in ws.store.writes()}
    assert touched == {"5wl8t3q6"}


def test_edited_plan_file_is_refused(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.ksctl("plan", config, "--out", "plan.json")
    text = Path("plan.json").read_text(encoding="utf-8")
    Path("plan.json").write_text(
        text.replace('"acknowledge_contract_breach": true', '"acknowledge_contract_breach": false'),
        encoding="utf-8",
    )
    result = ws.ksctl("apply", "plan.json")
    assert result.exit_code == 4  # refused before any write
    assert "plan.json:1:1: the plan was modified after it was made" in result.stderr
    assert ws.store.writes() == []
    assert ws.ksctl("show", "plan.json").exit_code == 1  # show: bad input, not a refusal


def test_without_terminal_or_auto_approve_it_refuses(ws: Workspace) -> None:
    result = ws.ksctl("apply", copy_example(ws))
    assert result.exit_code == 4
    assert "--auto-approve" in result.stderr
    assert ws.store.writes() == []


def test_streaming_account_is_deferred_not_cut_off(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.store.set_streaming("8qv2n6e4", True)
    result = ws.ksctl("apply", config, "--auto-approve", "--target", "8qv2n6e4")
    assert result.exit_code == 3
    assert "streaming right now" in result.stderr
    assert "disable_live" not in {w["operation"] for w in ws.store.writes()}
    ws.store.set_streaming("8qv2n6e4", False)
    again = ws.ksctl("apply", config, "--auto-approve", "--target", "8qv2n6e4")
    assert again.exit_code == 0, again.stderr


def test_second_apply_is_refused_while_one_holds_the_lock(ws: Workspace) -> None:
    from ksctl.apply.lock import apply_lock

    config = copy_example(ws)
    with apply_lock(ws.root / ".ksctl"):
        result = ws.ksctl("apply", config, "--auto-approve")
    assert result.exit_code == 4
    assert "another apply holds" in result.stderr
    assert ws.store.writes() == []


def test_failed_action_cuts_off_only_what_depends_on_it(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.ksctl("plan", config, "--target", "8qv2n6e4", "--target", "5wl8t3q6", "--out", "p.json")
    # A schedule appears behind the plan's back (a stale read: the version did not move).
    ws.store.patch_account(
        "8qv2n6e4",
        {
            "schedules": [
                {"id": "s1", "start_at": "2026-12-02T20:00:00+08:00"},
                {"id": "s9", "title": "临时加播", "start_at": "2026-12-09T20:00:00+08:00"},
            ]
        },
        bump=False,
    )
    result = ws.ksctl("apply", "p.json")
    assert result.exit_code == 1
    assert "account 8qv2n6e4: failed:" in result.stderr
    assert "scheduled live" in result.stderr
    ends = {e["address"]: e["outcome"] for e in ws.journal() if e["event"] == "end"}
    assert ends["8qv2n6e4/disable_live"] == "failed"
    assert ends["8qv2n6e4/export_interactions"] == "done"  # independent work went ahead
    assert ends["8qv2n6e4/purge_viewer_pii"] == "done"
    assert all(
        outcome in ("done", "already")
        for address, outcome in ends.items()
        if address.startswith("5wl8t3q6/")
    )  # the other account converged
