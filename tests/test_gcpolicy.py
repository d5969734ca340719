"""The collector's tuning: in its own process, so the test run's collector is untouched."""

from __future__ import annotations

import subprocess
import sys


def test_tune_freezes_what_is_imported_and_collects_less_often_but_still_collects() -> None:
    probe = (
        "import gc; from ksctl import gcpolicy; gcpolicy.tune(); "
        "assert gc.get_freeze_count() > 0; "
        "assert gc.get_threshold()[0] == gcpolicy.GEN0_THRESHOLD; "
        "assert gc.isenabled(); print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
