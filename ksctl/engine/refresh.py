"""Refresh: the actual state of every targeted account, from the platform and the backups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ksctl.backups.store import BackupState, BackupStore, is_safe_name, open_sink
from ksctl.config.model import Backup, DesiredAccount
from ksctl.contract.wire import AccountState, Quota
from ksctl.engine.actual import ActualAccount

NOTHING = BackupState(interactions=False, gift_ledger=False, replays=frozenset())


class AccountsReader(Protocol):
    """What refresh needs of a platform client."""

    async def get_accounts(
        self, ids: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> object: ...
    async def get_quota(self) -> Quota: ...
    def platform_now(self) -> datetime: ...


@dataclass(frozen=True)
class Refreshed:
    actuals: dict[str, ActualAccount]
    quota: Quota | None
    now: datetime
    # Accounts that could not be read because their authorization is gone: why.
    unreadable: dict[str, str] = field(default_factory=dict)


def _wants_backups(desired: DesiredAccount) -> bool:
    b = desired.backups
    return b is not None and Backup.present in (b.interactions, b.gift_ledger, b.replays)


async def refresh(
    client: AccountsReader,
    desired: Sequence[DesiredAccount],
    workdir: Path,
    progress: Callable[[int], None] | None = None,
) -> Refreshed:
    """One batched read of the accounts, one quota read, then the backup store per account.

    `progress` is told how many accounts each finished read covered."""
    read = await client.get_accounts([d.id for d in desired], progress=progress)
    found: dict[str, AccountState] = read.accounts  # type: ignore[attr-defined]
    quota = await client.get_quota()
    now = client.platform_now()  # the sandbox's clock is virtual: never this machine's
    stores: dict[str, BackupStore] = {}
    actuals = {}
    for d in desired:
        state = found.get(d.id)
        if state is None:
            continue
        backups = NOTHING
        # An unsafe replay id names no file: the plan makes that account an error.
        if _wants_backups(d) and all(is_safe_name(r.id) for r in state.replays):
            dest = d.destination
            store = stores.get(dest) or stores.setdefault(
                dest, BackupStore(open_sink(dest, workdir))
            )
            backups = store.state(d.id, [r.id for r in state.replays])
        actuals[d.id] = ActualAccount(state=state, backups=backups, now=now)
    unreadable = dict(getattr(read, "unauthorized", None) or {})
    return Refreshed(actuals=actuals, quota=quota, now=now, unreadable=unreadable)
