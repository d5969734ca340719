"""A resumed apply reuses a verification still valid on the platform (issue 12 §4): no new
SMS, no quota spent again. The first run verifies and then loses the network on the
closing write; the next run, a new plan, closes with the same verification. Once the
verification has expired on the platform, a new one is made."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ksctl.platform.client import PlatformClient
from ksctl.platform.errors import NetworkError
from ksctl.sandbox.world import World
from tests.apply.conftest import Workspace
from tests.apply.test_backup_guarantee import ID, WORLD

CLOSE = """version: 1
accounts:
  - id: "3xk9d2a1"
    live: {permission: disabled}
"""


def cut_the_network_on_closing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    original = PlatformClient.disable_live
    cut: list[int] = []

    async def once(self: PlatformClient, *args: Any, **kwargs: Any) -> Any:
        if not cut:
            cut.append(1)
            raise NetworkError("connection reset by peer")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(PlatformClient, "disable_live", once)
    return cut


def operations(ws: Workspace) -> list[str]:
    return [w["operation"] for w in ws.store.writes() if w["account_id"] == ID]


def first_run(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.store.seed(World.model_validate(WORLD))
    (ws.root / "close.yaml").write_text(CLOSE, encoding="utf-8")
    cut = cut_the_network_on_closing(monkeypatch)
    first = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert cut and first.exit_code == 3, first.stderr  # a transient failure: work left
    assert operations(ws) == ["sms_send", "sms_verify"]
    assert len(ws.store.sms_inbox()) == 1


def test_the_next_run_closes_with_the_same_verification(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_run(ws, monkeypatch)
    ws.store.advance(timedelta(minutes=5))  # within the ticket's 10 minutes
    second = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert second.exit_code == 0, second.stderr
    assert operations(ws) == ["sms_send", "sms_verify", "disable_live"]
    assert len(ws.store.sms_inbox()) == 1  # no second SMS to the account holder
    assert "1 write call(s)" in second.stderr


def test_an_expired_verification_is_made_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_run(ws, monkeypatch)
    ws.store.advance(timedelta(minutes=11))  # the ticket (10 min) and the code (5) expired
    second = ws.ksctl("apply", "close.yaml", "--auto-approve")
    assert second.exit_code == 0, second.stderr
    assert operations(ws) == ["sms_send", "sms_verify", "sms_send", "sms_verify", "disable_live"]
    assert len(ws.store.sms_inbox()) == 2
