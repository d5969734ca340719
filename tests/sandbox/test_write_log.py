"""The committed-write log: every write that changed something, and nothing else."""

from __future__ import annotations

from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api


def test_the_log_records_changes_with_their_targets(api: Api, store: Store) -> None:
    api.post("/openapi/accounts/main1/schedules/s1/cancel", key="c1")
    api.post("/openapi/accounts/main1/schedules/s1/cancel", key="c2")  # no-op: not logged
    job = api.post("/openapi/accounts/main1/interactions/export").json()["job"]
    api.post("/openapi/accounts/main1/features/shopping_cart/disable")
    api.post("/openapi/accounts/main1/features/shopping_cart/disable")  # no-op
    log = store.writes()
    assert [(w["operation"], w["target"]) for w in log] == [
        ("cancel_schedule", "s1"),
        ("export_interactions", job["id"]),
        ("disable_feature", "shopping_cart"),
    ]
    first = log[0]
    assert first["at"] == "2026-11-25T10:00:00+08:00"
    assert first["app_id"] == "agency_app" and first["account_id"] == "main1"
    assert first["idempotency_key"] == "c1"
    assert {"at", "app_id", "account_id", "operation", "target", "idempotency_key"} <= set(first)


def test_versions_move_with_changes_only(api: Api) -> None:
    assert api.account("main1")["version"] == "1"
    changed = api.post("/openapi/accounts/main1/features/shopping_cart/disable").json()
    assert changed["account"]["version"] == "2"
    same = api.post("/openapi/accounts/main1/features/shopping_cart/disable").json()
    assert same["account"]["version"] == "2"


def test_the_request_log_counts_reads_too(api: Api, store: Store) -> None:
    api.get("/openapi/accounts", ids="main1")
    api.get("/openapi/accounts", ids="solo1")
    api.get("/openapi/accounts/main1")
    api.post("/openapi/accounts/main1/live/enable")
    assert store.request_counts("read") == {"list_accounts": 2, "get_account": 1}
    assert store.request_counts()["enable_live"] == 1
    log = store.request_log()
    assert api.token() not in repr(log) and "agency_secret" not in repr(log)
    assert log[-1]["operation"] == "enable_live" and log[-1]["status"] == 200


def test_the_tests_state_changing_set_names_every_state_changing_write() -> None:
    """tests.conftest.STATE_CHANGING (the no-write-twice checks) uses the sandbox's own
    operation names: a name it never logs would make those checks silently weaker."""
    import re

    from tests.conftest import ROOT, STATE_CHANGING

    source = (ROOT / "ksctl" / "sandbox" / "app.py").read_text(encoding="utf-8")
    logged = set(re.findall(r'_write_call\(\s*request,\s*"([a-z_]+)"', source))
    assert logged, "no write operation found: the pattern no longer matches app.py"
    assert logged - {"sms_send", "sms_verify"} == STATE_CHANGING
