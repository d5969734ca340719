"""Signed plans (issue 12 §4): with KSCTL_PLAN_KEY, plan --out signs, apply checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ksctl.engine.plan import Plan
from ksctl.engine.planfile import load_plan
from tests.apply.conftest import Workspace

KEY = "k3y-of-the-ci-secret-store"


@pytest.fixture
def planned(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    from tests.conftest import ROOT

    shutil.copy(ROOT / "examples" / "accounts.yaml", ws.root / "accounts.yaml")
    monkeypatch.setenv("KSCTL_PLAN_KEY", KEY)
    made = ws.ksctl("plan", "accounts.yaml", "--out", "plan.json")
    assert made.exit_code == 0, made.stderr
    assert KEY not in made.stdout + made.stderr
    return ws.root / "plan.json"


def reseal(path: Path, change: dict[str, object]) -> None:
    """What anyone can do without the key: edit the plan and seal it with ksctl's code."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(change)
    plan = Plan.model_validate(data)
    resealed = plan.model_copy(update={"checksum": plan.compute_checksum()})
    path.write_text(resealed.to_json(), encoding="utf-8")


def test_signed_plan_applies_and_its_checksum_is_the_unsigned_one(
    ws: Workspace, planned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = load_plan(planned)
    assert plan.signature and plan.signature.startswith("hmac-sha256:")
    assert KEY not in planned.read_text(encoding="utf-8")
    assert plan.checksum == plan.compute_checksum()  # the signature is outside the body
    assert plan.model_copy(update={"signature": None}).compute_checksum() == plan.checksum
    shown = ws.ksctl("show", "plan.json")
    assert shown.exit_code == 0, shown.stderr
    applied = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert applied.exit_code in (0, 3), applied.stderr
    assert ws.store.writes()


def test_a_resealed_edit_is_refused_before_any_write(
    ws: Workspace, planned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reseal(planned, {"warnings": ["edited"]})
    assert load_plan(planned).checksum  # ksctl's own check passes: the checksum is no seal
    refused = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert refused.exit_code == 4
    assert refused.stderr.strip().splitlines()[-1] == (
        "ksctl: error: the plan's signature does not match KSCTL_PLAN_KEY: it was changed "
        "after it was signed, or signed with another key; plan again"
    )
    assert ws.store.writes() == []


def test_unsigned_or_another_key_is_refused_and_no_key_changes_nothing(
    ws: Workspace, planned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KSCTL_PLAN_KEY", "another key")
    other = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert other.exit_code == 4 and "does not match KSCTL_PLAN_KEY" in other.stderr
    reseal(planned, {"signature": None})
    monkeypatch.setenv("KSCTL_PLAN_KEY", KEY)
    unsigned = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert unsigned.exit_code == 4
    assert "the plan is not signed and KSCTL_PLAN_KEY is set" in unsigned.stderr
    assert "signature" not in planned.read_text(encoding="utf-8")
    monkeypatch.setenv("KSCTL_PLAN_KEY", " ")
    empty = ws.ksctl("apply", "plan.json", "--auto-approve")
    assert empty.exit_code == 4 and "set but empty" in empty.stderr
    assert ws.store.writes() == []
    monkeypatch.delenv("KSCTL_PLAN_KEY")
    applied = ws.ksctl("apply", "plan.json", "--auto-approve")  # no key: as before
    assert applied.exit_code in (0, 3), applied.stderr
