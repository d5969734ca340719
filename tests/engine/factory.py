"""Builders of actual and desired state for engine tests (no platform needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ksctl.backups.store import BackupState
from ksctl.config.model import DesiredAccount
from ksctl.contract.wire import AccountState
from ksctl.engine.actual import ActualAccount

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CST)


def state(**over: Any) -> AccountState:
    """An enterprise account with live on, certified, one schedule, two replays online."""
    data: dict[str, Any] = {
        "id": "a1",
        "name": "店",
        "kind": "enterprise",
        "org": "org_x",
        "version": "3",
        "live": {"permission": "enabled", "streaming": False},
        "certification": {"live_certified": True, "blue_v": True},
        "quality_streamer": False,
        "schedules": [{"id": "s1", "title": "返场", "start_at": NOW + timedelta(days=6)}],
        "replays": [
            {
                "id": "r1",
                "recorded_at": NOW - timedelta(days=20),
                "size_bytes": 10,
                "sha256": "0" * 64,
                "online": True,
            },
            {
                "id": "r2",
                "recorded_at": NOW - timedelta(days=10),
                "size_bytes": 10,
                "sha256": "1" * 64,
                "online": True,
            },
        ],
        "interactions": {"days": 90, "viewer_phone_numbers": 12, "exportable": True},
        "monetization": {"short_video_tipping": "disabled", "shopping_cart": "enabled"},
        "access": {"write": True},
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return AccountState.model_validate(data)


def actual(backups: BackupState | None = None, now: datetime = NOW, **over: Any) -> ActualAccount:
    return ActualAccount(
        state=state(**over), now=now, backups=backups or BackupState(False, False, frozenset())
    )


CLOSE_ALL: dict[str, Any] = {
    "live": {"permission": "disabled", "closure": "soft"},
    "schedules": "cleared",
    "backups": {"interactions": "present", "gift_ledger": "present", "replays": "present"},
    "privacy": {"purge_viewer_phone_numbers": True},
    "monetization": {"short_video_tipping": "enabled"},
}


def desired(**over: Any) -> DesiredAccount:
    data = {"id": "a1", **CLOSE_ALL}
    for key, value in over.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return DesiredAccount.model_validate(data)
