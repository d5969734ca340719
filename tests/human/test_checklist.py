"""`ksctl plan --format checklist`: what people must do now, in order, and what waits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ksctl.app.plan import make_plan
from ksctl.engine.build import PlanOptions
from ksctl.engine.provider import Provider
from ksctl.engine.specs import SPECS, ActionType
from ksctl.render.checklist import render_checklist
from tests.human.conftest import Workspace

EXAMPLE = Path(__file__).parents[2] / "examples" / "accounts.yaml"
PEOPLE = PlanOptions(provider=Provider("people-only", frozenset()), max_close_share=1.0)


def checklist(ws: Workspace, options: PlanOptions = PEOPLE) -> str:
    shutil.copy(EXAMPLE, ws.root / "accounts.yaml")
    plan = make_plan([str(ws.root / "accounts.yaml")], workdir=ws.root, env={}, options=options)
    return render_checklist(plan.plan)


def section(text: str, account: str) -> str:
    start = text.index(f"### `{account}`")
    end = text.find("### ", start + 4)
    return text[start : end if end > 0 else None]


def test_steps_that_may_be_done_now_come_in_order_and_closing_live_waits_for_backups(
    ws: Workspace,
) -> None:
    text = checklist(ws)
    main = section(text, "3xk9d2a1")
    now, _, waiting = main.partition("**Waiting:**")
    assert "Export the interactions" in now and "Cancel every scheduled live" not in now
    assert "Cancel the scheduled live s1" in now and "Download replay r1" in now
    assert SPECS[ActionType.export_interactions].manual in now
    assert "deadline: before live is closed" in now
    assert "then record it: `ksctl evidence add 3xk9d2a1 interactions FILE`" in now
    assert "Close live" not in now  # never now before the backups are verified
    close = next(line for line in waiting.splitlines() if "Close live" in line)
    assert "“Export the interactions" in close and "“Download replay r3”" in close
    assert "Appeal to take the replays down" in waiting
    numbered = re.findall(r"^(\d+)\. \[ \]", now, re.M)
    assert numbered == [str(n) for n in range(1, len(numbered) + 1)]


def test_the_checklist_names_who_acts_and_never_a_phone_number(ws: Workspace) -> None:
    text = checklist(ws)
    assert "the phone bound to the account (it receives the SMS code)" in text
    # The demo world's bound phones are 138000012xx: neither they nor their masks appear.
    assert "138000012" not in text and "138****" not in text


def test_with_the_modelled_api_there_is_nothing_for_people(ws: Workspace) -> None:
    text = checklist(ws, PlanOptions(max_close_share=1.0))
    assert "Nothing for people to do in the app" in text
    assert "###" not in text
