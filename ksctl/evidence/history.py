"""The account's live history, read from the platform through the configured provider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ksctl import asyncrun
from ksctl.config import load_config
from ksctl.errors import KsctlError
from ksctl.evidence.check import History


def account_history(
    account_id: str, paths: Sequence[str], workdir: Path, env: Mapping[str, str]
) -> tuple[History, str]:
    """What the platform (and the attestations) say of the account, and where its backups go."""
    from ksctl.providers import read_actuals

    config = load_config(paths or (".",))
    desired = next((a for a in config.accounts if a.id == account_id), None)
    if desired is None:
        raise KsctlError(f"account {account_id} is not in the configuration")
    refreshed = asyncrun.run(read_actuals(config, [desired], workdir, env))
    actual = refreshed.actuals.get(account_id)
    if actual is None:
        raise KsctlError(f"no such account on the platform: {account_id}")
    state = actual.state
    history = History(
        now=actual.now,
        closed_at=state.live.closed_at,
        replays={r.id: r.recorded_at for r in state.replays},
        replay_sizes={r.id: r.size_bytes for r in state.replays if r.size_bytes},
    )
    return history, desired.destination
