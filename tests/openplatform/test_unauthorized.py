"""An account whose holder never authorized the app, or cancelled: its own plan error."""

from __future__ import annotations

import json

import pytest

from ksctl.openplatform import reader
from ksctl.platform.errors import PlatformError
from ksctl.sandbox.embedded import embedded_store
from tests.apply.conftest import Workspace
from tests.openplatform.sandbox_calls import SandboxCalls

GONE = "8qv2n6e4"


def test_an_unauthorized_account_is_an_error_naming_its_command_and_the_rest_go_on(
    open_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Unauthorized(SandboxCalls):
        async def get_json(self, path, params, account_id):  # type: ignore[no-untyped-def]
            if account_id == GONE:  # what the platform answers a token the holder cancelled
                raise PlatformError("authorization cancelled by the user", code=100200109)
            return await super().get_json(path, params, account_id)

    calls = Unauthorized(embedded_store(open_ws.root))
    monkeypatch.setattr(reader, "ClientCalls", lambda client: calls)
    result = open_ws.ksctl("plan", "accounts.yaml", "--format", "json")
    assert result.exit_code == 1
    plan = json.loads(result.output[result.output.index("{") :])
    status = {a["id"]: (a["status"], a["errors"]) for a in plan["accounts"]}
    assert status[GONE][0] == "error" and f"ksctl auth login {GONE}" in status[GONE][1][0]
    assert all(s == "changes" for i, (s, _) in status.items() if i != GONE)
