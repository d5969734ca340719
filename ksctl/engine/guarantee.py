"""The backup guarantee, on the plan side: which backups the configuration requires of an
account, and which of them are lost for good.

A backup is named by a short key: `interactions`, `gift_ledger` or `replay:<id>`. A plan
carries, for an account it writes destructively to, the required backups that were already
verified at refresh (`AccountPlan.backups_held`); the ones it creates itself are its backup
actions. Apply verifies both sets again at the moment of each destructive write
(`ksctl/apply/guarantee.py`), so a backup that vanished between plan and apply is noticed.
"""

from __future__ import annotations

from collections.abc import Iterable

from ksctl.backups.manifest import BackupKind
from ksctl.config.model import Backup, DesiredAccount
from ksctl.engine.action import Action, ActionType
from ksctl.engine.actual import ActualAccount

T = ActionType
INTERACTIONS, GIFT_LEDGER, REPLAY = "interactions", "gift_ledger", "replay:"

# The writes that end the platform's copy of something a backup holds, and which backups
# each must find verified first (None: every one the configuration requires). Closing live
# starts the 30-day end of the interaction data; a takedown ends the replays; the purge
# deletes the viewers' phone numbers that the interactions export holds.
DESTRUCTIVE: dict[ActionType, frozenset[str] | None] = {
    T.disable_live: None,
    T.takedown_replays: None,
    T.purge_viewer_pii: frozenset({INTERACTIONS}),
}


def replay_key(replay_id: str) -> str:
    return REPLAY + replay_id


def parse(key: str) -> tuple[BackupKind, str | None]:
    """(kind, target) of a backup key."""
    if key.startswith(REPLAY):
        return BackupKind.replay, key[len(REPLAY) :]
    return BackupKind(key), None


def describe(key: str) -> str:
    kind, target = parse(key)
    if kind is BackupKind.replay:
        return f"replay {target}"
    return "the interaction data" if kind is BackupKind.interactions else "the gift ledger"


def required(desired: DesiredAccount, actual: ActualAccount) -> list[str]:
    """Every backup the configuration asks to keep that the platform has or had: the
    replays online or already copied (one offline with no copy is lost, see `lost`)."""
    b = desired.backups
    if b is None:
        return []
    out = []
    if b.interactions is Backup.present:
        out.append(INTERACTIONS)
    if b.gift_ledger is Backup.present:
        out.append(GIFT_LEDGER)
    if b.replays is Backup.present:
        stored = actual.backups.replays
        out += [replay_key(r.id) for r in actual.state.replays if r.online or r.id in stored]
    return sorted(out)


def created_by(actions: Iterable[Action]) -> set[str]:
    """The backups a plan's own backup actions make."""
    out = set()
    for a in actions:
        if a.type is T.export_interactions:
            out.add(INTERACTIONS)
        elif a.type is T.download_gift_ledger:
            out.add(GIFT_LEDGER)
        elif a.type is T.download_replay and a.target:
            out.add(replay_key(a.target))
    return out


def held(
    desired: DesiredAccount, actual: ActualAccount, actions: Iterable[Action]
) -> tuple[str, ...]:
    """What a plan must carry so that apply can re-verify it: the required backups that
    exist already, for an account the plan writes destructively to (empty otherwise, which
    keeps the plan JSON and its checksum what they were for every other plan)."""
    actions = list(actions)
    if not any(a.type in DESTRUCTIVE for a in actions):
        return ()
    made = created_by(actions)
    return tuple(k for k in required(desired, actual) if k not in made)


def lost_replays(desired: DesiredAccount, actual: ActualAccount) -> list[str]:
    """Replays the configuration asks to keep that the platform no longer serves (taken
    down, offline) and of which the store holds no verified copy: lost for good."""
    b = desired.backups
    if b is None or b.replays is not Backup.present:
        return []
    stored = actual.backups.replays
    return sorted(r.id for r in actual.state.replays if not r.online and r.id not in stored)
