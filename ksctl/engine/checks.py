"""Checks that make an account `error` or `blocked`, and the domain's warnings (seed §3–§6).

Every message says what is wrong and what a person can do about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ksctl.config.model import Backup, Closure, DesiredAccount
from ksctl.engine.action import Action, ActionType
from ksctl.engine.actual import ActualAccount
from ksctl.engine.catalogue import EXPORT_WINDOW
from ksctl.engine.diff import Changes
from ksctl.engine.guarantee import lost_replays

T = ActionType


@dataclass
class Findings:
    errors: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def check(
    desired: DesiredAccount, actual: ActualAccount, changed: Changes, actions: list[Action]
) -> Findings:
    found = Findings()
    state = actual.state
    types = {a.type for a in actions}
    closing = T.disable_live in types

    if state.access.authorization is not None:
        # The holder's authorization, not a rule: say so even with nothing to do, and how.
        found.errors.append(
            f"{state.access.reason or 'the app is not authorized for this account'} "
            f"({state.access.authorization}): authorize it with `ksctl auth login {desired.id}`"
        )
    elif actions and not state.access.write:
        found.errors.append(
            f"the app may not write to this account: {state.access.reason}"
            if state.access.reason
            else "the app may not write to this account"
        )
    if actions and actual.banned() and state.ban is not None:
        reason = f" ({state.ban.reason})" if state.ban.reason else ""
        found.blockers.append(
            f"banned (封禁) until {_day(state.ban.until)}{reason}; "
            "no change possible before: apply again after the ban ends"
        )
    ack = bool(desired.acknowledge and desired.acknowledge.contract_breach)
    if closing and actual.contract_active() and state.contract is not None and not ack:
        c = state.contract
        found.errors.append(
            f"active MCN contract with {c.mcn} ({c.min_live_hours_per_month} live hours a month "
            f"until {_day(c.until)}): closing live breaks it; once agreed with the MCN, set "
            "acknowledge.contract_breach: true"
        )
    cancelling = {a.target for a in actions if a.type is T.cancel_schedule}
    pending = [s.id for s in actual.future_schedules() if s.id not in cancelling]
    if closing and pending:
        found.errors.append(
            f"closing live fails while {len(pending)} scheduled live(s) are pending "
            f"({', '.join(pending)}): set schedules: cleared, or cancel them in the app"
        )
    if changed.get(("certification", "live_certified")) == (False, True):
        found.errors.append(
            "live_certified: true, but the 直播认证 tag is gone and ksctl cannot "
            "grant it: apply for it in the app, or remove the setting"
        )
    if ("backups", "interactions") in changed and not state.interactions.exportable:
        until = state.interactions.exportable_until
        lost = f" on {_day(until)}" if until else ""
        found.errors.append(
            f"interaction data is already lost: it stopped being exportable{lost}, 30 days "
            "after live was closed; set backups.interactions: ignore to acknowledge the loss"
        )
    gone = lost_replays(desired, actual)
    if gone and desired.acknowledge and desired.acknowledge.replays_without_backup:
        found.warnings.append(
            f"replay(s) {', '.join(gone)} were taken down before being "
            "backed up: the platform no longer serves them, no copy can "
            "be made"
        )
    elif gone:  # lost data is reported as lost, never as in sync
        found.errors.append(
            f"replay(s) {', '.join(gone)} are lost: the platform no longer serves them and "
            "the backup store holds no verified copy; set backups.replays: ignore or "
            "acknowledge.replays_without_backup: true to accept the loss"
        )
    _check_takedown(desired, actual, actions, found)
    if closing:
        _closing_warnings(desired, actual, found)
    elif (
        state.live.permission == "disabled"
        and state.interactions.exportable_until
        and state.interactions.exportable
    ):
        found.warnings.append(
            f"interaction data stays exportable until {_day(state.interactions.exportable_until)}"
        )
    if (
        desired.live
        and desired.live.closure is Closure.hard
        and not (closing or state.live.permission == "disabled")
    ):
        found.warnings.append("closure: hard has no effect while live stays enabled")
    return found


def _check_takedown(
    desired: DesiredAccount, actual: ActualAccount, actions: list[Action], found: Findings
) -> None:
    takedown = next((a for a in actions if a.type is T.takedown_replays), None)
    if takedown is None:
        return
    backing_up = desired.backups is not None and desired.backups.replays is Backup.present
    acknowledged = bool(desired.acknowledge and desired.acknowledge.replays_without_backup)
    unsaved = [r for r in takedown.params.get("replay_ids", []) if r not in actual.backups.replays]
    if unsaved and not backing_up and not acknowledged:
        found.errors.append(
            f"the takedown would leave no copy of {len(unsaved)} replay(s) "
            f"({', '.join(unsaved)}): set backups.replays: present, or "
            "acknowledge.replays_without_backup: true"
        )
    if not (desired.live and desired.live.copyright_proof):
        found.errors.append("the takedown appeal needs live.copyright_proof")


def _closing_warnings(desired: DesiredAccount, actual: ActualAccount, found: Findings) -> None:
    state, now = actual.state, actual.now
    if state.live.streaming:
        found.warnings.append(
            "streaming right now: apply will defer closing live rather than cut the broadcast off"
        )
    if state.quality_streamer:
        found.warnings.append(
            "优质主播: recommendation weight may drop after live closes, short videos included"
        )
    if state.kind == "enterprise":
        found.warnings.append(
            "enterprise account: the platform may re-classify it and show its "
            "showcase (商品橱窗) less often"
        )
    hard = desired.live is not None and desired.live.closure is Closure.hard
    online = actual.online_replays()
    if online and not hard:
        found.warnings.append(
            f"soft closure: {len(online)} replay(s) stay online and can still be shared"
        )
    found.warnings.append(
        "interaction data stays exportable until "
        f"{_day(now + EXPORT_WINDOW)} (30 days after closing)"
    )
    want = desired.monetization.short_video_tipping if desired.monetization else None
    tipping = want.value if want else state.monetization.short_video_tipping.value
    found.warnings.append(
        "gifts (礼物打赏) stop with live; short-video tipping is "
        + (
            "on"
            if tipping == "enabled"
            else "off: consider monetization.short_video_tipping: enabled"
        )
    )
