"""A banned account (封禁) accepts no writes until the ban ends (docs/platform-api.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ksctl.contract import codes
from ksctl.sandbox.store import Store
from tests.sandbox.driver import Api, accepted

WRITES = [
    ("/openapi/accounts/banned1/certification/live/remove", None),
    ("/openapi/accounts/banned1/sms/send", None),
    ("/openapi/accounts/banned1/live/disable", {"verification_ticket": "vt_x"}),
    ("/openapi/accounts/banned1/interactions/export", None),
    ("/openapi/accounts/banned1/features/short_video_tipping/enable", None),
]


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_banned_account_refuses_writes(api: Api, store: Store, path: str, body: object) -> None:
    answer = api.post(path, json=body)
    assert answer.status_code == 200
    assert answer.json()["result"] == codes.LIVE_BANNED
    assert "2026-11-27T10:00:00+08:00" in answer.json()["error_msg"]
    assert store.writes() == []


def test_writes_are_accepted_once_the_ban_ends(api: Api, store: Store) -> None:
    path = "/openapi/accounts/banned1/certification/live/remove"
    assert api.account("banned1")["ban"] == {"until": "2026-11-27T10:00:00+08:00", "reason": "违规"}
    store.advance(timedelta(days=2) - timedelta(seconds=1))
    assert api.post(path).json()["result"] == codes.LIVE_BANNED
    store.advance(timedelta(seconds=1))
    assert api.account("banned1")["ban"] is None
    answer = api.post(path)
    assert accepted(answer) and answer.json()["changed"] is True
    assert accepted(api.disable_live("banned1"))
