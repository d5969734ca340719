"""SIGTERM, how CI cancels a job, is handled as Ctrl-C is (issue 12 §4): one line, exit
143, the lock released and the journal's last event `interrupted`; the next apply resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.apply.conftest import Workspace
from tests.apply.test_apply_e2e import copy_example
from tests.conftest import assert_no_write_twice

pytestmark = pytest.mark.slow  # a ksctl process against a slowed sandbox


def test_sigterm_mid_apply_releases_the_lock_and_journals_it(ws: Workspace) -> None:
    config = copy_example(ws)
    ws.store.configure(faults={"latency_ms": 60})
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
    while len(ws.store.writes()) < 3:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the apply ended before its third write: {proc.communicate()[1]}")
        time.sleep(0.01)
    assert (ws.root / ".ksctl" / "apply.lock").exists()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the apply did not end within 60 s of SIGTERM")
    assert proc.returncode == 143, err
    assert err.rstrip().endswith("ksctl: terminated"), err
    assert "Traceback" not in err
    assert not (ws.root / ".ksctl" / "apply.lock").exists()
    (journal,) = (ws.root / ".ksctl" / "journal").glob("*.jsonl")
    last = json.loads(journal.read_text(encoding="utf-8").splitlines()[-1])
    assert (last["event"], last["signal"]) == ("interrupted", "SIGTERM")
    ws.store.configure(faults={"latency_ms": 0})
    again = ws.ksctl("apply", config, "--auto-approve")  # not refused by a stale lock
    assert again.exit_code in (0, 3), again.stderr
    assert_no_write_twice(ws.store.writes())
