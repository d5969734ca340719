"""Generated sandbox worlds and their desired-state configuration, of any size.

Every account is a personal account streaming live, with one scheduled live, one replay,
interaction data and viewer phone numbers stored, and video tipping off (the over-quota
world of `tests/apply/test_apply_e2e.py` too). The configuration closes live on all of
them with every backup that finishes in one run: per account six actions and seven write
calls (tipping, export, purge, cancel, and three for closing live), plus one replay download.

The converged variant is the same fleet after that closure, checked for drift by a
configuration without backups (they live in a store, not on the platform): every account
in sync, the steady state of a scheduled drift check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ksctl.sandbox.embedded import DEMO_APP_ID, DEMO_APP_SECRET, sandbox_path
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World

NOW = "2026-11-25T10:00:00+08:00"
HIGH_READ_RATE = 1_000_000  # reads per second: never the bottleneck
HIGH_QUOTA = 10_000_000  # write calls per day: an apply is never stopped by the quota

CONFIG_HEAD = """\
version: 1
defaults:
  live: {permission: disabled}
  schedules: cleared
  backups: {interactions: present, replays: present}
  privacy: {purge_viewer_phone_numbers: true}
  monetization: {short_video_tipping: enabled}
accounts:
"""


# The closure's configuration less its backups: what a converged fleet is checked against.
DRIFT_CONFIG_HEAD = CONFIG_HEAD.replace(
    "  backups: {interactions: present, replays: present}\n", ""
)


def account_id(i: int) -> str:
    return f"bench{i:06d}"


def _account(i: int) -> dict[str, Any]:
    return {
        "id": account_id(i),
        "name": f"主播{i}",
        "kind": "personal",
        "phone": f"139{i:08d}",
        "live": {"permission": "enabled"},
        "schedules": [{"id": "s1", "start_at": "2026-12-20T20:00:00+08:00"}],
        "replays": [{"id": "r1", "recorded_at": "2026-11-01T20:00:00+08:00", "size_bytes": 2048}],
        "interactions": {"days": 90, "viewer_phone_numbers": 5},
    }


def _converged(i: int) -> dict[str, Any]:
    """The same account after its closure."""
    return {
        **_account(i),
        "schedules": [],
        "live": {"permission": "disabled", "closed_at": "2026-11-24T10:00:00+08:00"},
        "interactions": {"days": 90, "viewer_phone_numbers": 0},
        "monetization": {"short_video_tipping": "enabled"},
    }


def world(
    n: int,
    *,
    read_rate: int = HIGH_READ_RATE,
    quota: int = HIGH_QUOTA,
    converged: bool = False,
    closing_every: int = 0,
) -> World:
    """`converged`: the fleet after its closure, but for every `closing_every`-th account."""
    ids = [account_id(i) for i in range(n)]

    def make(i: int) -> dict[str, Any]:
        if converged and not (closing_every and i % closing_every == 0):
            return _converged(i)
        return _account(i)

    return World.model_validate(
        {
            "platform": {
                "now": NOW,
                "read_rate_per_second": read_rate,
                "write_quota_per_day": quota,
            },
            "apps": [{"app_id": DEMO_APP_ID, "app_secret": DEMO_APP_SECRET, "accounts": ids}],
            "accounts": [make(i) for i in range(n)],
        }
    )


def config_text(n: int, *, converged: bool = False) -> str:
    head = DRIFT_CONFIG_HEAD if converged else CONFIG_HEAD
    return head + "".join(f"  - id: {account_id(i)}\n" for i in range(n))


def workspace(root: Path, n: int, *, converged: bool = False) -> tuple[Path, Path]:
    """Seed a world of `n` accounts in `root/.ksctl/` and write `root/accounts.yaml`
    (the converged fleet and its drift check with `converged`).

    Returns the sandbox file and the configuration file.
    """
    root.mkdir(parents=True, exist_ok=True)
    config = root / "accounts.yaml"
    config.write_text(config_text(n, converged=converged), encoding="utf-8")
    db = sandbox_path(root)
    Store(db).seed(world(n, converged=converged))
    return db, config


def world_yaml(n: int) -> str:
    """`world(n)` as a world file, written directly: yaml.dump of 100,000
    accounts would take longer than the plan."""
    ids = "".join(f"      - {account_id(i)}\n" for i in range(n))
    head = (
        f'platform:\n  now: "{NOW}"\n  read_rate_per_second: {HIGH_READ_RATE}\n'
        f"  write_quota_per_day: {HIGH_QUOTA}\n"
        f"apps:\n  - app_id: {DEMO_APP_ID}\n    app_secret: {DEMO_APP_SECRET}\n    accounts:\n"
    )
    accounts = "".join(
        f"  - id: {account_id(i)}\n    name: 主播{i}\n    kind: personal\n"
        f'    phone: "139{i:08d}"\n    live: {{permission: enabled}}\n'
        '    schedules: [{id: s1, start_at: "2026-12-20T20:00:00+08:00"}]\n'
        '    replays: [{id: r1, recorded_at: "2026-11-01T20:00:00+08:00", size_bytes: 2048}]\n'
        "    interactions: {days: 90, viewer_phone_numbers: 5}\n"
        for i in range(n)
    )
    return head + ids + "accounts:\n" + accounts
