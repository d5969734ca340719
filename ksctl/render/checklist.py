"""The checklist for the people doing the manual steps (markdown), from the Plan alone.

Per account: the steps that may be done now, in order, each with the exact path in the
app, who must do it and its deadline, and the command that records it afterwards; then
the steps that wait, with what they wait for. A step waits while anything it depends on is
still in the plan, so closing live is never "now" before the backups it needs are
verified. Nothing here names a phone number, a code or a token: the plan holds none.
"""

from __future__ import annotations

from ksctl.engine.action import Action, ActionType
from ksctl.engine.plan import AccountPlan, Plan, Status

T = ActionType
HOLDER_PHONE = "the account holder, with the phone bound to the account (it receives the SMS code)"
ANYONE = "anyone logged in to the account in the 快手 app"
HOLDER = "the account holder (filed in the account's name)"
WHO = {
    T.disable_live: HOLDER_PHONE,
    T.enable_live: HOLDER_PHONE,
    T.request_gift_ledger: HOLDER,
    T.takedown_replays: HOLDER,
}
EVIDENCE = {
    T.export_interactions: "interactions",
    T.download_gift_ledger: "gift_ledger",
}


def _md(text: str) -> str:
    """Plain text in markdown: nothing in a name becomes a link, a table or emphasis."""
    out = []
    for ch in text.replace("\n", " "):
        out.append("\\" + ch if ch in "\\`*_[]<>|#!" else ch)
    return "".join(out)


def title(action: Action) -> str:
    t, target = action.type, action.target
    if t is T.export_interactions:
        return "Export the interactions (danmaku, likes, viewers) of the last 3 months"
    if t is T.request_gift_ledger:
        return "Ask 客服 for the gift ledger (礼物流水)"
    if t is T.download_gift_ledger:
        return "Download the gift ledger 客服 prepared"
    if t is T.download_replay:
        return f"Download replay {target}"
    if t is T.purge_viewer_pii:
        return "Delete the stored viewer phone numbers"
    if t is T.cancel_schedule:
        return (
            "Cancel every scheduled live (直播预告)"
            if target in (None, "all")
            else f"Cancel the scheduled live {target}"
        )
    if t is T.disable_live:
        return "Close live (关闭直播权限)"
    if t is T.enable_live:
        return "Open live again (开通直播权限)"
    if t is T.remove_certification:
        return "Remove the 直播认证 tag"
    if t is T.takedown_replays:
        return "Appeal to take the replays down (内容申诉)"
    feature = target or "the feature"
    return f"Switch {feature} {'on' if t is T.enable_feature else 'off'}"


def record_command(acc: AccountPlan, action: Action) -> str:
    """What records the step once done: the evidence itself, or an attestation."""
    if action.type in EVIDENCE:
        return f"ksctl evidence add {acc.id} {EVIDENCE[action.type]} FILE"
    if action.type is T.download_replay:
        return f"ksctl evidence add {acc.id} replay:{action.target} FILE"
    step = action.type.value
    if action.target and action.type is not T.cancel_schedule:
        step += f"[{action.target}]"
    return f"ksctl confirm {acc.id} {step} --by NAME"


def deadline(acc: AccountPlan, action: Action) -> str | None:
    if action.type is T.export_interactions:
        until = action.params.get("exportable_until")
        if until:
            return f"export interactions before {str(until)[:10]}"
        if any(a.type is T.disable_live for a in acc.actions):
            return "before live is closed (after that, 30 days at most)"
    if action.type is T.cancel_schedule and action.params.get("before"):
        return f"before {str(action.params['before'])[:16]}"
    return None


def _waits(acc: AccountPlan, action: Action, pending: dict[str, Action]) -> list[str]:
    why = [f"“{title(pending[d])}”" for d in action.depends_on if d in pending]
    if action.waits_for:
        why.append(action.waits_for)
    return why


def _details(acc: AccountPlan, action: Action) -> list[str]:
    out = [f"   - in the app: {action.manual}", f"   - who: {WHO.get(action.type, ANYONE)}"]
    if action.type is T.takedown_replays and action.params.get("copyright_proof"):
        out.append(f"   - copyright proof: {_md(str(action.params['copyright_proof']))}")
    when = deadline(acc, action)
    if when:
        out.append(f"   - deadline: {when}")
    out.append(f"   - then record it: `{record_command(acc, action)}`")
    return out


def _account(acc: AccountPlan) -> list[str]:
    name = f" {_md(acc.name)}" if acc.name else ""
    lines = [f"### `{acc.id}`{name}", ""]
    pending = {a.address: a for a in acc.actions}
    manual = [a for a in acc.actions if a.manual]
    now = [a for a in manual if not _waits(acc, a, pending)]
    later = [a for a in manual if _waits(acc, a, pending)]
    by_api = [a for a in acc.actions if not a.manual]
    for error in acc.errors:
        lines.append(f"- **blocked:** {_md(error)}")
    for warning in acc.warnings:
        lines.append(f"- warning: {_md(warning)}")
    if acc.errors or acc.warnings:
        lines.append("")
    if now:
        lines.append("**Now, in this order:**")
        lines.append("")
    for n, action in enumerate(now, start=1):
        lines.append(f"{n}. [ ] **{title(action)}**")
        lines.extend(_details(acc, action))
    if later:
        lines.extend(["", "**Waiting:**", ""])
    for action in later:
        lines.append(f"- [ ] {title(action)}: waits for {'; '.join(_waits(acc, action, pending))}")
        lines.extend(_details(acc, action))
    if by_api:
        lines.extend(["", f"ksctl apply performs {len(by_api)} other step(s) through the API."])
    stale = [s for s in acc.sources if s.how == "expired"]
    if stale:
        lines.append("")
        lines.extend(
            f"- check again: {s.value} was {s.detail}; the record is too old to count"
            for s in stale
        )
    return [*lines, ""]


def render_checklist(plan: Plan) -> str:
    todo = [
        a
        for a in plan.accounts
        if any(x.manual for x in a.actions) or a.status in (Status.blocked, Status.error)
    ]
    steps = sum(1 for a in plan.actions() if a.manual)
    lines = ["## ksctl checklist", ""]
    if not steps:
        lines.append(
            "Nothing for people to do in the app: ksctl apply performs every step of this plan."
        )
        lines.append("")
    else:
        lines.extend([f"{steps} step(s) for people in the app, on {len(todo)} account(s).", ""])
    for acc in todo:
        lines.extend(_account(acc))
    done = sum(1 for a in plan.accounts if a.status is Status.in_sync)
    if done:
        lines.append(f"{done} account(s) need nothing.")
        lines.append("")
    by_api = len(plan.accounts) - len(todo) - done
    if steps and by_api:
        lines.append(f"{by_api} other account(s) change through the API only (ksctl apply).")
        lines.append("")
    lines.append(f"<sub>plan {plan.checksum[:19]} · target {_md(plan.target)}</sub>")
    return "\n".join(lines) + "\n"
