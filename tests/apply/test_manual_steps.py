"""Apply with a provider that has no API for closing live (docs/architecture.md): the plan names the
step in the app, apply does everything else, waits for the person (exit 3), and the next
run's refresh verifies the step."""

from __future__ import annotations

import pytest

from ksctl.cli import run_apply
from ksctl.engine.action import ActionType
from ksctl.engine.build import PlanOptions
from ksctl.engine.provider import Provider
from ksctl.engine.specs import SPECS
from tests.apply.conftest import Workspace
from tests.apply.test_apply_e2e import assert_backups_before_closing, copy_example
from tests.conftest import assert_no_write_twice

ACCOUNT = "8qv2n6e4"  # 老王美食: a personal streamer, closing live after its backups
NO_LIVE_API = PlanOptions(
    provider=Provider("no-live-api", frozenset(ActionType) - {ActionType.disable_live})
)


def apply(ws: Workspace, config: str) -> int:
    return run_apply(
        [config],
        auto_approve=True,
        targets=(ACCOUNT,),
        force=True,
        parallelism=4,
        options=NO_LIVE_API,
        env={},
        workdir=ws.root,
    )


def test_a_manual_step_waits_for_the_person_and_is_verified_by_the_next_refresh(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    config = copy_example(ws)
    step = SPECS[ActionType.disable_live].manual
    assert apply(ws, config) == 3
    out, err = capsys.readouterr()
    assert f"manual, in the app: {step}" in out  # the plan shown before applying
    assert f"{ACCOUNT}/disable_live is a manual step: {step}; run apply again" in err
    writes = len(ws.store.writes())
    done = {w["operation"] for w in ws.store.writes()}
    assert "disable_live" not in done and {"export_interactions", "cancel_schedule"} <= done
    assert_backups_before_closing(ws)  # the step is only asked for once they are verified
    ended = [
        e for e in ws.journal() if e["event"] == "end" and e["address"] == f"{ACCOUNT}/disable_live"
    ]
    assert [e["outcome"] for e in ended] == ["waiting"]

    assert apply(ws, config) == 3  # nobody did it yet: still waiting, nothing written again
    assert len(ws.store.writes()) == writes

    # The person closes live in the app; the platform changes the account by itself.
    ws.store.patch_account(
        ACCOUNT, {"live": {"permission": "disabled", "closed_at": ws.store.now().isoformat()}}
    )
    capsys.readouterr()
    assert apply(ws, config) == 0
    out, _ = capsys.readouterr()
    assert "No changes" in out
    assert len(ws.store.writes()) == writes
    assert_no_write_twice(ws.store.writes())
