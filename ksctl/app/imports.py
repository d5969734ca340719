"""Import as a use-case: existing accounts as desired-state YAML that plans to no change."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ksctl import asyncrun
from ksctl.compose import resolve_target
from ksctl.contract.wire import AccountState
from ksctl.errors import KsctlError
from ksctl.platform.target import open_client


def as_desired(state: AccountState) -> dict[str, Any]:
    """The account's actual state as desired-state configuration that plans to no change."""
    now_pending = [s for s in state.schedules if s.status == "pending"]
    return {
        "id": state.id,
        **({"name": state.name} if state.name else {}),
        "live": {"permission": state.live.permission.value},
        "schedules": "keep" if now_pending else "cleared",
        "certification": {"live_certified": state.certification.live_certified},
        "privacy": {"purge_viewer_phone_numbers": state.interactions.viewer_phone_numbers == 0},
        "monetization": {
            "short_video_tipping": state.monetization.short_video_tipping.value,
            "shopping_cart": state.monetization.shopping_cart.value,
        },
    }


def import_accounts(
    ids: Sequence[str], *, workdir: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, str | None]:
    """Desired-state YAML for existing accounts, and the target notice."""
    workdir = workdir or Path.cwd()
    target = resolve_target(os.environ if env is None else env, workdir)

    async def read() -> Any:
        async with open_client(target) as client:
            return await client.get_accounts(list(ids))

    found = asyncrun.run(read())
    if found.missing:
        raise KsctlError(f"no such account on the platform: {', '.join(found.missing)}")
    document = {"version": 1, "accounts": [as_desired(found.accounts[i]) for i in ids]}
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    header = "# Imported by `ksctl import`: the accounts' state as the platform reports it.\n"
    return header + text, target.notice
