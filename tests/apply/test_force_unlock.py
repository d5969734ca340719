"""A lock held by another host or by a live (perhaps reused) pid is never stale; apply's
refusal names `ksctl force-unlock LOCK_ID`, which asks first and refuses a wrong id."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from ksctl.apply.lock import LockHeld, apply_lock
from tests.apply.conftest import Workspace
from tests.apply.test_apply_e2e import copy_example

LOCK = Path(".ksctl") / "apply.lock"


def plant(ws: Workspace, **holder: object) -> None:
    path = ws.root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"id": "0a1b2c3d4e5f", "since": "2026-12-01T08:00:00+00:00", **holder}),
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "holder",
    [
        {"pid": os.getpid(), "host": "ci-runner-7"},  # another host: its pid says nothing here
        {"pid": 1, "host": socket.gethostname()},  # a pid alive here: maybe reused, not stale
    ],
    ids=["another-host", "live-pid"],
)
def test_a_lock_not_provably_stale_is_refused_with_how_to_release_it(
    ws: Workspace, holder: dict[str, object]
) -> None:
    config = copy_example(ws)
    plant(ws, **holder)
    refused = ws.ksctl("apply", config, "--auto-approve")
    assert refused.exit_code == 4
    assert refused.stderr.strip().splitlines()[-1] == (
        f"ksctl: error: another apply holds {ws.root / LOCK} (lock 0a1b2c3d4e5f: pid "
        f"{holder['pid']} on {holder['host']} since 2026-12-01T08:00:00+00:00); wait for it "
        "to finish, or if that run is gone (another machine, a reused pid): "
        "ksctl force-unlock 0a1b2c3d4e5f"
    )
    assert (ws.root / LOCK).exists()
    assert ws.store.writes() == []

    wrong = ws.ksctl("force-unlock", "ffffffffffff", "--force")
    assert wrong.exit_code == 1
    assert "does not match the lock" in wrong.stderr
    assert (ws.root / LOCK).exists()
    declined = ws.ksctl("force-unlock", "0a1b2c3d4e5f")  # no terminal: never without asking
    assert declined.exit_code == 1 and "pass --force" in declined.stderr
    assert (ws.root / LOCK).exists()
    released = ws.ksctl("force-unlock", "0a1b2c3d4e5f", "--force")
    assert released.exit_code == 0, released.stderr
    assert not (ws.root / LOCK).exists()
    applied = ws.ksctl("apply", config, "--auto-approve")
    assert applied.exit_code == 3, applied.stderr  # runs now (the demo world waits on tickets)


def test_force_unlock_asks_on_a_terminal(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(ws, pid=1, host="ci-runner-7")
    monkeypatch.setattr("ksctl.apply.unlock_cli._interactive", lambda: True)
    kept = ws.ksctl("force-unlock", "0a1b2c3d4e5f", input="n\n")
    assert kept.exit_code == 1 and (ws.root / LOCK).exists()
    assert "pid 1 on ci-runner-7" in kept.stderr
    gone = ws.ksctl("force-unlock", "0a1b2c3d4e5f", input="y\n")
    assert gone.exit_code == 0 and not (ws.root / LOCK).exists()
    nothing = ws.ksctl("force-unlock", "0a1b2c3d4e5f", "--force")
    assert nothing.exit_code == 1 and "no apply lock is held" in nothing.stderr


def test_a_run_releases_only_its_own_lock(tmp_path: Path) -> None:
    with apply_lock(tmp_path) as lock_id:
        assert json.loads((tmp_path / "apply.lock").read_text())["id"] == lock_id
        # force-unlocked meanwhile, and another run took the lock
        (tmp_path / "apply.lock").write_text(
            json.dumps({"id": "other", "pid": 1, "host": "elsewhere", "since": "now"})
        )
    assert json.loads((tmp_path / "apply.lock").read_text())["id"] == "other"
    with pytest.raises(LockHeld, match="ksctl force-unlock other"), apply_lock(tmp_path):
        pass
