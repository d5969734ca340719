"""Markdown for a pull-request comment: a summary table, then one collapsible section per
account, within a size budget (GitHub refuses comments over 65,536 characters)."""

from __future__ import annotations

import html
import re

from ksctl.engine.plan import AccountPlan, Plan, Status
from ksctl.engine.specs import IRREVERSIBLE
from ksctl.errors import one_line
from ksctl.render.symbols import change, in_sync, notes, source_lines, symbol

BUDGET = 60_000
# The kinds no action undoes, latest in the order first.
IRREVERSIBLE_KINDS = ", ".join(
    t.spec.noun for t in sorted(IRREVERSIBLE, key=lambda t: t.rank, reverse=True)
)
ICON = {Status.changes: "🟡", Status.in_sync: "🟢", Status.blocked: "🟣", Status.error: "🔴"}


_MARKUP = re.compile(r"([\\`\[\]|])")
_ZWSP = "&#8203;"  # breaks an autolink or a mention without changing what a reader sees


def _text(text: str) -> str:
    """Untrusted text (a name, a message quoting the platform) as inert markdown: one line,
    no HTML (`</details>` closes nothing), no code span, link or table cell, no autolink
    and no @mention."""
    text = html.escape(one_line(text), quote=False)
    text = _MARKUP.sub(r"\\\1", text)
    for mark, broken in (("://", f":{_ZWSP}//"), ("www.", f"www{_ZWSP}."), ("@", f"@{_ZWSP}")):
        text = text.replace(mark, broken)
    return text


def _fence(lines: list[str]) -> str:
    """A code fence longer than any run of backticks in `lines`, so none can close it."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _section(acc: AccountPlan) -> str:
    name = f" {_text(acc.name)}" if acc.name else ""
    head = (
        f"<details><summary>{ICON[acc.status]} <code>{acc.id}</code>{name}: "
        f"{acc.status.value}, {len(acc.actions)} action(s), {acc.write_calls} write "
        "call(s)</summary>\n\n"
    )
    body = []
    if acc.actions:
        code = []
        for action in acc.actions:
            extra = notes(action)
            line = f"{symbol(action)} {action.address}  {change(action)}"
            code.append(line + (f"  ({'; '.join(extra)})" if extra else ""))
            code.extend(f"#   effect: {effect}" for effect in action.effects)
            if action.waits_for:
                code.append(f"#   waits for {action.waits_for}")
        code = [one_line(c) for c in code]
        fence = _fence(code)
        body.extend([f"{fence}diff", *code, fence])
    body.extend(f"- **error:** {_text(e)}" for e in acc.errors)
    body.extend(f"- warning: {_text(w)}" for w in acc.warnings)
    body.extend(f"- {_text(line)}" for line in source_lines(acc))
    return head + "\n".join(body) + "\n\n</details>\n"


def render_markdown(plan: Plan, *, budget: int = BUDGET, full_plan_hint: str | None = None) -> str:
    s = plan.summary
    quota = (
        f"{s.quota_remaining_today} / {s.quota_per_day}"
        if s.quota_remaining_today is not None
        else "unknown"
    )
    head = [
        "## ksctl plan",
        "",
        "| accounts | changes | in sync | blocked | errors | actions | write calls "
        "| quota left today | days to converge |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s.accounts} | {s.changes} | {s.in_sync} | {s.blocked} | {s.errors} | {s.actions} "
        f"| {s.write_calls} | {quota} | {s.days_to_converge} |",
        "",
    ]
    if plan.safety.unsafe:
        head.extend(f"> [!CAUTION]\n> {r}: apply needs `--force`.\n" for r in plan.safety.reasons)
    if plan.safety.irreversible_actions:
        head.append(
            f"**{plan.safety.irreversible_actions} irreversible action(s)** "
            f"({IRREVERSIBLE_KINDS}).\n"
        )
    head.extend(f"> [!WARNING]\n> {_text(w)}\n" for w in plan.warnings)
    text = "\n".join(head)
    footer = (
        f"\n<sub>plan {plan.checksum[:19]} · ksctl {plan.ksctl_version} · "
        f"target {_text(plan.target)}</sub>\n"
    )
    shown = 0
    sections = [a for a in plan.accounts if a.status is not Status.in_sync]
    for acc in sections:
        part = _section(acc)
        if len(text) + len(part) + len(footer) + 400 > budget:
            break
        text += "\n" + part
        shown += 1
    if shown < len(sections):
        left = sections[shown:]
        where = full_plan_hint or "the saved plan (`ksctl show PLANFILE`)"
        text += (
            f"\n**{len(left)} more account(s) left out to keep this comment short** "
            f"({', '.join(a.id for a in left[:20])}{', ...' if len(left) > 20 else ''}); "
            f"the full plan is in {where}.\n"
        )
    listed = in_sync(plan, name=lambda i: f"`{i}`")
    if listed:
        text += f"\nIn sync: {listed}\n"
    return text + footer
