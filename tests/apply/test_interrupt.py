"""An apply stopped by Ctrl-C mid-run: one line, the lock released, and the next applies
finish the work without doing any write twice or closing live before its backups."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from tests.apply.conftest import Workspace
from tests.apply.test_apply_e2e import assert_backups_before_closing, copy_example
from tests.conftest import assert_no_write_twice

pytestmark = pytest.mark.slow  # two ksctl processes, a slowed sandbox


def interrupted_apply(ws: Workspace, config: str, after_writes: int) -> tuple[int, str]:
    """Run `ksctl apply` in a process and send it SIGINT once the sandbox has committed
    `after_writes` writes in all; (exit code, stderr)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KSCTL_") and k not in ("CI", "NO_COLOR")
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ksctl.cli", "apply", config, "--auto-approve"],
        cwd=ws.root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(ws.store.writes()) < after_writes:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"the apply ended before its write {after_writes}: {err[-2000:]}")
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def test_interrupted_applies_resume_and_never_write_twice(ws: Workspace) -> None:
    config = copy_example(ws)
    # Every request takes a while, so that the interrupts land between writes of one run.
    ws.store.configure(faults={"latency_ms": 60})
    for after in (2, 9):  # two runs, each cut short part-way
        code, err = interrupted_apply(ws, config, after)
        assert code == 130, err
        assert err.rstrip().endswith("ksctl: interrupted")
        assert "Traceback" not in err
        assert not (ws.root / ".ksctl" / "apply.lock").exists()
    assert len(ws.store.writes()) < 20, "the interrupts cut the work short (42 writes in all)"
    runs = sorted((ws.root / ".ksctl" / "journal").glob("*.jsonl"))
    assert [json.loads(r.read_text().splitlines()[-1])["event"] for r in runs] == [
        "interrupted",
        "interrupted",
    ]
    ws.store.configure(faults={"latency_ms": 0})
    codes = []
    for _ in range(6):
        result = ws.ksctl("apply", config, "--auto-approve")
        codes.append(result.exit_code)
        if result.exit_code == 0:
            break
        assert result.exit_code == 3, result.stderr
        ws.store.advance(timedelta(hours=73))  # past the ledger delay and the appeal review
    assert codes[-1] == 0, codes
    assert_no_write_twice(ws.store.writes())
    assert_backups_before_closing(ws)
    assert ws.ksctl("plan", config, "--detailed-exitcode").exit_code == 0
