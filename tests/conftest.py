"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

# Every write operation the sandbox logs that changes state, so must happen at most once per
# (account, target). `sms_send`/`sms_verify` are left out: a closure deferred to a later run
# asks for a fresh code, which is right. tests/sandbox/test_write_log.py keeps this in step
# with the sandbox's own names.
STATE_CHANGING = frozenset({
    "cancel_schedule", "enable_feature", "disable_feature", "export_interactions",
    "request_gift_ledger", "purge_viewer_phones", "disable_live", "enable_live",
    "remove_certification", "takedown_appeal"})


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository as the working directory, so paths in messages are stable."""
    monkeypatch.chdir(ROOT)
    return ROOT
