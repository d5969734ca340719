"""The actual state of an account: what the platform says plus what the backup store holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ksctl.backups.store import BackupState, is_safe_name
from ksctl.contract.wire import AccountState, Schedule


@dataclass(frozen=True)
class ActualAccount:
    state: AccountState
    backups: BackupState
    now: datetime
    # A provider that cannot observe everything (kuaishou-open) says where each value came
    # from (plan Sources) and what it found wrong with what people attested.
    sources: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.state.id

    def future_schedules(self) -> list[Schedule]:
        return sorted(
            (s for s in self.state.schedules if s.status == "pending" and s.start_at > self.now),
            key=lambda s: s.id,
        )

    def unsafe_replay_ids(self) -> list[str]:
        """Replay ids from the platform that cannot name a backup file (`../../x`)."""
        return sorted(r.id for r in self.state.replays if not is_safe_name(r.id))

    def online_replays(self) -> list[str]:
        return sorted(r.id for r in self.state.replays if r.online)

    def banned(self) -> bool:
        return self.state.ban is not None and self.state.ban.until > self.now

    def contract_active(self) -> bool:
        c = self.state.contract
        return c is not None and c.until > self.now and c.min_live_hours_per_month > 0
