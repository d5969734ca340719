"""Shared test helpers."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

# Every write operation the sandbox logs that changes state, so must happen at most once per
# (account, target). `sms_send`/`sms_verify` are left out: a closure deferred to a later run
# asks for a fresh code, which is right. tests/sandbox/test_write_log.py keeps this in step
# with the sandbox's own names.
STATE_CHANGING = frozenset(
    {
        "cancel_schedule",
        "enable_feature",
        "disable_feature",
        "export_interactions",
        "request_gift_ledger",
        "purge_viewer_phones",
        "disable_live",
        "enable_live",
        "remove_certification",
        "takedown_appeal",
    }
)


def assert_no_write_twice(writes: list[dict[str, Any]]) -> None:
    """No idempotency key committed twice, no state-changing write performed twice."""
    keys = collections.Counter(w["idempotency_key"] for w in writes)
    assert [k for k, n in keys.items() if n > 1] == [], writes
    logical = collections.Counter(
        (w["account_id"], w["operation"], w["target"])
        for w in writes
        if w["operation"] in STATE_CHANGING
    )
    assert [k for k, n in logical.items() if n > 1] == [], writes


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository as the working directory, so paths in messages are stable."""
    monkeypatch.chdir(ROOT)
    return ROOT
