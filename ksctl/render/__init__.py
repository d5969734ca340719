"""Renderers of a Plan: text for a terminal, markdown for a pull request, JSON for machines,
a checklist (markdown) for the people doing the steps in the app."""

from __future__ import annotations

from enum import StrEnum

from ksctl.engine.plan import Plan


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    checklist = "checklist"


def render(plan: Plan, fmt: Format, *, color: bool = False, note: str | None = None) -> str:
    """The plan in `fmt`. `note` says where the full plan is, for a trimmed markdown comment."""
    if fmt is Format.json:
        return plan.to_json()
    if fmt is Format.checklist:
        from ksctl.render.checklist import render_checklist

        return render_checklist(plan)
    if fmt is Format.markdown:
        from ksctl.render.markdown import render_markdown

        return render_markdown(plan, full_plan_hint=note)
    from ksctl.render.text import render_text

    return render_text(plan, color=color)
