"""The action catalogue: which actions a difference calls for, and what each depends on.

What a type is (its cost, whether it is irreversible...) is its spec (`engine/specs.py`);
this module says only when a plan needs it. See docs/architecture.md.
"""

from __future__ import annotations

from datetime import timedelta

from ksctl.config.model import DesiredAccount
from ksctl.contract.wire import AppealStatus, JobStatus
from ksctl.engine.action import Action
from ksctl.engine.actual import ActualAccount
from ksctl.engine.diff import Changes
from ksctl.engine.specs import BACKUP_ACTIONS, SPECS, ActionType

T = ActionType
EXPORT_WINDOW = timedelta(days=30)


class _Builder:
    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.actions: dict[str, Action] = {}

    def add(self, type_: ActionType, target: str | None = None, **fields: object) -> Action:
        spec = SPECS[type_]
        fields.setdefault("write_calls", spec.write_calls)
        fields.setdefault("needs_verification", spec.needs_verification)
        action = Action(
            address=Action.make_address(self.account_id, type_, target),
            type=type_,
            target=target,
            irreversible=spec.irreversible,
            **fields,
        )
        self.actions[action.address] = action
        return action

    def of(self, *types: ActionType) -> tuple[str, ...]:
        return tuple(sorted(a.address for a in self.actions.values() if a.type in types))


def build_actions(desired: DesiredAccount, actual: ActualAccount, changed: Changes) -> list[Action]:
    """The actions that make `actual` what `desired` states, with their dependencies."""
    b = _Builder(actual.id)
    state, now = actual.state, actual.now
    work = state.open_work

    for path, (before, after) in sorted(changed.items()):
        if path[0] == "monetization":
            type_ = T.enable_feature if after == "enabled" else T.disable_feature
            b.add(type_, path[1], before=before, after=after)

    if ("backups", "interactions") in changed:
        job = work.export_job
        reuse = job is not None and job.status in (JobStatus.pending, JobStatus.ready)
        b.add(
            T.export_interactions,
            before="absent",
            after="present",
            write_calls=0 if reuse else 1,
            waits_for=f"export job {job.id}" if reuse and job.status is JobStatus.pending else None,
        )
    if ("backups", "gift_ledger") in changed:
        ticket = work.gift_ledger_ticket
        deps: tuple[str, ...] = ()
        if ticket is None:
            deps = (b.add(T.request_gift_ledger, before="none", after="ticket open").address,)
        waits = None
        if ticket is None or ticket.status != "fulfilled":
            when = f"; expected by {ticket.fulfilled_at.isoformat()}" if ticket else ""
            waits = "the gift-ledger ticket to be fulfilled (hours to days)" + when
        b.add(
            T.download_gift_ledger,
            before="absent",
            after="present",
            depends_on=deps,
            waits_for=waits,
        )
    for path in sorted(p for p in changed if p[:2] == ("backups", "replays") and len(p) == 3):
        b.add(T.download_replay, path[2], before="absent", after="present")

    phones = changed.get(("privacy", "viewer_phone_numbers"))
    if phones:
        b.add(
            T.purge_viewer_pii,
            before=f"{phones[0]} stored",
            after="none",
            depends_on=b.of(T.export_interactions),
        )

    for path in sorted(p for p in changed if p[0] == "schedules" and len(p) == 2):
        b.add(T.cancel_schedule, path[1], before="pending", after="cancelled")

    permission = changed.get(("live", "permission"))
    certified = changed.get(("certification", "live_certified"))
    closing = permission == ("enabled", "disabled")
    if closing:
        effects = [f"interactions: exportable until {(now + EXPORT_WINDOW).date().isoformat()}"]
        if state.certification.live_certified:
            effects.insert(0, "certification.live_certified: true -> false")
        ack = bool(desired.acknowledge and desired.acknowledge.contract_breach)
        b.add(
            T.disable_live,
            before="enabled",
            after="disabled",
            depends_on=b.of(
                *BACKUP_ACTIONS,
                T.purge_viewer_pii,
                T.cancel_schedule,
                T.enable_feature,
                T.disable_feature,
            ),
            effects=tuple(effects),
            params={"acknowledge_contract_breach": ack},
        )
    elif permission == ("disabled", "enabled"):
        b.add(T.enable_live, before="disabled", after="enabled")
    if certified == (True, False) and not closing:
        b.add(T.remove_certification, before=True, after=False)

    online = sorted(p[2] for p in changed if p[:2] == ("live", "replays_online") and len(p) == 3)
    live_off = closing or state.live.permission == "disabled"
    if online and live_off:
        appeal = work.takedown_appeal
        reviewing = appeal is not None and appeal.status is AppealStatus.reviewing
        proof = desired.live.copyright_proof if desired.live else None
        b.add(
            T.takedown_replays,
            before=f"{len(online)} online",
            after="taken down",
            depends_on=b.of(T.download_replay, T.disable_live),
            write_calls=0 if reviewing else 1,
            waits_for=(
                f"takedown appeal {appeal.id} under review until {appeal.decided_at.isoformat()}"
            )
            if reviewing and appeal
            else None,
            effects=tuple(f"replay {r}: online -> offline" for r in online),
            params={"copyright_proof": proof, "replay_ids": online},
        )
    return list(b.actions.values())
