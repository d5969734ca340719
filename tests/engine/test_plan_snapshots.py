"""Rendered plans over sandbox worlds: text, markdown and JSON, as reviewers see them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ksctl.engine.plan import Status
from ksctl.render import Format, render
from ksctl.render.markdown import render_markdown
from tests.engine.scenario import plan_scenario

NAMES = ["in_sync", "matrix_closure", "hard_closure", "blocking"]


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("name", NAMES)
def test_rendered_plan(name: str, fmt: Format, tmp_path: Path, snapshot: object) -> None:
    plan = plan_scenario(name, tmp_path).plan
    text = render(plan, fmt)
    for secret in ("demo_secret", "13800001234", "1380000"):
        assert secret not in text
    assert text == snapshot


def test_statuses_of_the_blocking_world(tmp_path: Path) -> None:
    plan = plan_scenario("blocking", tmp_path).plan
    status = {a.id: a.status for a in plan.accounts}
    assert status == {
        "b4nned01": Status.blocked,
        "mcn00001": Status.error,
        "inst0001": Status.error,
        "nocert01": Status.error,
        "closed01": Status.error,
        "gone0001": Status.error,
    }
    assert plan.has_errors


def test_json_is_the_design_contract(tmp_path: Path) -> None:
    data = json.loads(render(plan_scenario("matrix_closure", tmp_path).plan, Format.json))
    assert data["format_version"] == 1
    assert set(data) >= {"ksctl_version", "created_at", "accounts", "summary"}
    acc = data["accounts"][0]
    assert set(acc) >= {"id", "status", "version", "actions", "warnings", "errors"}
    action = next(a for a in acc["actions"] if a["type"] == "disable_live")
    assert set(action) >= {
        "address",
        "type",
        "before",
        "after",
        "depends_on",
        "irreversible",
        "needs_verification",
        "write_calls",
        "effects",
    }
    assert set(data["summary"]) >= {
        "accounts",
        "in_sync",
        "changes",
        "blocked",
        "actions",
        "write_calls",
        "quota_remaining_today",
        "days_to_converge",
    }


def test_markdown_stays_within_its_budget_and_says_what_it_left_out(tmp_path: Path) -> None:
    plan = plan_scenario("matrix_closure", tmp_path).plan
    full = render_markdown(plan)
    short = render_markdown(plan, budget=len(full) - 200, full_plan_hint="the artifact plan.json")
    assert len(short) <= len(full) - 200
    assert "more account(s) left out" in short
    assert "the artifact plan.json" in short


def test_fifty_accounts_in_sync_by_name_then_a_count(tmp_path: Path) -> None:
    plan = plan_scenario("in_sync", tmp_path).plan
    (one,) = plan.accounts
    many = tuple(one.model_copy(update={"id": f"acct{i:04d}"}) for i in range(60))
    text = render(plan.model_copy(update={"accounts": many}), Format.text)
    (line,) = [x for x in text.splitlines() if x.startswith("in sync: ")]
    assert line.startswith("in sync: acct0000, acct0001,")
    assert "acct0049 and 10 more (--format json lists every account)" in line
    assert "acct0050" not in text
    markdown = render(plan.model_copy(update={"accounts": many}), Format.markdown)
    assert "`acct0049` and 10 more" in markdown and "acct0050" not in markdown
