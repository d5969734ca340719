"""Temporary `.part` files a killed run left in the backup destination are removed by the
next run (issue 12 §4), under the lock: not while another apply holds it."""

from __future__ import annotations

import json
from pathlib import Path

from ksctl.backups.cleanup import remove_partials
from ksctl.backups.store import LocalSink
from tests.apply.conftest import Workspace
from tests.apply.test_apply_e2e import copy_example

DEST = Path(".ksctl") / "backups"
ACCOUNT = "3xk9d2a1"  # the demo world's hard closure: it downloads replays


def leave_partials(ws: Workspace) -> list[Path]:
    """What LocalSink.write_atomic leaves behind when the process dies mid-write."""
    root = ws.root / DEST / ACCOUNT
    (root / "replays").mkdir(parents=True, exist_ok=True)
    left = [root / "replays" / ".r1.mp4.k2j4h1.part", root / ".interactions.csv.x9f3.part"]
    for path in left:
        path.write_bytes(b"half a file")
    return left


def test_the_next_apply_removes_what_a_killed_run_left(ws: Workspace) -> None:
    config = copy_example(ws)
    left = leave_partials(ws)
    staged = ws.root / ".ksctl" / "staging" / ACCOUNT / "replays" / "r2.mp4"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"resumable")  # staging is resumed, never cleaned
    result = ws.ksctl("apply", config, "--auto-approve")
    assert result.exit_code == 3, result.stderr
    assert not [p for p in left if p.exists()]
    assert not list((ws.root / DEST).rglob("*.part"))
    events = [e for e in ws.journal() if e["event"] == "removed_partials"]
    assert events and events[0]["files"] == 2


def test_not_while_another_apply_holds_the_lock(ws: Workspace) -> None:
    config = copy_example(ws)
    left = leave_partials(ws)
    lock = ws.root / ".ksctl" / "apply.lock"
    lock.write_text(json.dumps({"id": "abc", "pid": 1, "host": "ci-runner-2", "since": "now"}))
    refused = ws.ksctl("apply", config, "--auto-approve")
    assert refused.exit_code == 4
    assert all(p.exists() for p in left)  # that run may be writing them


def test_only_part_files_of_the_account(tmp_path: Path) -> None:
    sink = LocalSink(tmp_path)
    mine = tmp_path / "a1" / "replays" / ".r1.mp4.abc.part"
    other = tmp_path / "a2" / ".gift_ledger.csv.abc.part"
    data = tmp_path / "a1" / "interactions.csv"
    for path in (mine, other, data):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    outside = tmp_path.parent / "outside.part"
    outside.write_bytes(b"x")
    (tmp_path / "a1" / "link.part").symlink_to(outside)
    assert remove_partials(sink, "a1") == 1
    assert not mine.exists() and other.exists() and data.exists() and outside.exists()
