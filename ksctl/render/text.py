"""Terraform-like text: `+ ~ -` lines grouped by account, coloured on a terminal only."""

from __future__ import annotations

import click

from ksctl.engine.plan import AccountPlan, Plan, Status
from ksctl.errors import one_line
from ksctl.render.symbols import change, in_sync, notes, source_lines, symbol

COLORS = {"+": "green", "~": "yellow", "-": "red"}
STATUS_COLORS = {
    Status.error: "red",
    Status.blocked: "magenta",
    Status.changes: "yellow",
    Status.in_sync: "green",
}


def _account(acc: AccountPlan, style: object) -> list[str]:
    s = style  # type: ignore[assignment]
    name = f" ({acc.name})" if acc.name else ""
    version = f", version {acc.version}" if acc.version else ""
    lines = [
        s(
            f"# account {acc.id}{name}: {acc.status.value}{version}",
            bold=True,
            fg=STATUS_COLORS[acc.status],
        )
    ]
    width = max((len(a.address) for a in acc.actions), default=0)
    for action in acc.actions:
        sign = symbol(action)
        extra = notes(action)
        line = f"  {sign} {action.address.ljust(width)}  {change(action)}"
        if extra:
            line += f"  ({'; '.join(extra)})"
        lines.append(s(line.rstrip(), fg=COLORS[sign]))
        lines.extend(s(f"      effect: {effect}") for effect in action.effects)
        if action.waits_for:
            lines.append(s(f"      waits for {action.waits_for}"))
    lines.extend(s(f"  error: {e}", fg="red") for e in acc.errors)
    lines.extend(s(f"  warning: {w}", fg="yellow") for w in acc.warnings)
    lines.extend(s(f"  {line}") for line in source_lines(acc))
    return lines


def render_text(plan: Plan, *, color: bool = False) -> str:
    def style(text: str, **kw: object) -> str:
        # Every line passes here: names, ids and messages from the platform become one
        # line of plain text (no newline to forge a line, no terminal escape) before colour.
        text = one_line(text)
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    out: list[str] = []
    for acc in plan.accounts:
        if acc.status is Status.in_sync:
            continue
        out.extend(_account(acc, style))
        out.append("")
    s = plan.summary
    listed = in_sync(plan, more_hint=" (--format json lists every account)")
    if listed:
        out.append(style(f"in sync: {listed}"))
    out.extend(style(f"warning: {w}") for w in plan.warnings)
    quota = (
        f"{s.quota_remaining_today} of {s.quota_per_day} write calls left today"
        if s.quota_remaining_today is not None
        else "quota unknown"
    )
    if plan.has_changes:
        out.append(
            style(
                f"Plan: {s.actions} action{'s' * (s.actions != 1)} on "
                f"{s.changes + s.blocked + s.errors} of {s.accounts} accounts, "
                f"{s.write_calls} write calls ({quota}; converges in "
                f"{s.days_to_converge} day{'s' * (s.days_to_converge != 1)} of quota).",
                bold=True,
            )
        )
    elif s.errors or s.blocked:  # nothing to do is not the same as nothing wrong
        stuck = s.errors + s.blocked
        out.append(
            style(
                f"No action can be planned, and {stuck} of {s.accounts} "
                f"account{'s' * (s.accounts != 1)} {'do' if stuck != 1 else 'does'} not "
                "match the configuration.",
                bold=True,
            )
        )
    else:
        out.append(
            style(
                f"No changes: {s.accounts} account{'s' * (s.accounts != 1)} "
                f"match{'es' * (s.accounts == 1)} the configuration.",
                bold=True,
            )
        )
    if s.errors or s.blocked:
        out.append(
            style(
                f"{s.errors} account(s) in error, {s.blocked} blocked: apply leaves them alone.",
                fg="red",
            )
        )
    if plan.safety.unsafe:
        for reason in plan.safety.reasons:
            out.append(style(f"UNSAFE: {reason}; apply needs --force.", fg="red", bold=True))
    return "\n".join(out) + "\n"
