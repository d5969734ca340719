"""Checks that turn an account `error` or `blocked`, and the domain's warnings."""

from __future__ import annotations

from datetime import timedelta

from ksctl.backups.store import BackupState
from ksctl.engine.build import plan_account
from ksctl.engine.plan import Status
from tests.engine.factory import NOW, actual, desired


def test_ban_blocks_until_its_end() -> None:
    plan = plan_account(
        desired(), actual(ban={"until": NOW + timedelta(days=36), "reason": "违规"})
    )
    assert plan.status is Status.blocked
    assert plan.errors == (
        "banned (封禁) until 2026-12-31 (违规); no change possible before: "
        "apply again after the ban ends",
    )


def test_ended_ban_blocks_nothing() -> None:
    plan = plan_account(desired(), actual(ban={"until": NOW - timedelta(days=1)}))
    assert plan.status is Status.changes


def test_contract_without_acknowledgement_is_an_error() -> None:
    contract = {
        "mcn": "星河MCN",
        "min_live_hours_per_month": 60,
        "until": NOW + timedelta(days=120),
    }
    plan = plan_account(desired(), actual(contract=contract))
    assert plan.status is Status.error
    assert "acknowledge.contract_breach: true" in plan.errors[0]
    acked = plan_account(desired(acknowledge={"contract_breach": True}), actual(contract=contract))
    assert acked.status is Status.changes
    close = next(a for a in acked.actions if a.type == "disable_live")
    assert close.params == {"acknowledge_contract_breach": True}


def test_institution_without_admin_rights_is_an_error() -> None:
    plan = plan_account(
        desired(),
        actual(
            kind="institution",
            access={
                "write": False,
                "reason": "institution account: the app has no admin rights on org_x",
            },
        ),
    )
    assert plan.status is Status.error
    assert "no admin rights on org_x" in plan.errors[0]


def test_certification_cannot_be_granted() -> None:
    plan = plan_account(
        desired(live={"permission": "enabled"}, certification={"live_certified": True}),
        actual(certification={"live_certified": False}),
    )
    assert plan.status is Status.error
    assert "cannot grant" in plan.errors[0]


def test_interactions_lost_after_the_window_says_so() -> None:
    closed = NOW - timedelta(days=40)
    plan = plan_account(
        desired(),
        actual(
            live={"permission": "disabled", "closed_at": closed},
            interactions={"exportable": False, "exportable_until": closed + timedelta(days=30)},
        ),
    )
    assert plan.status is Status.error
    assert plan.errors[0].startswith(
        "interaction data is already lost: it stopped being exportable on 2026-11-15"
    )


def test_takedown_without_copy_is_an_error() -> None:
    plan = plan_account(
        desired(live={"closure": "hard", "copyright_proof": "P"}, backups={"replays": "ignore"}),
        actual(),
    )
    assert plan.status is Status.error
    assert "no copy of 2 replay(s) (r1, r2)" in plan.errors[0]
    acked = plan_account(
        desired(
            live={"closure": "hard", "copyright_proof": "P"},
            backups={"replays": "ignore"},
            acknowledge={"replays_without_backup": True},
        ),
        actual(),
    )
    assert acked.status is Status.changes


def test_takedown_of_backed_up_replays_is_fine() -> None:
    plan = plan_account(
        desired(live={"closure": "hard", "copyright_proof": "P"}, backups={"replays": "ignore"}),
        actual(backups=BackupState(False, False, frozenset({"r1", "r2"}))),
    )
    assert plan.status is Status.changes


def test_domain_warnings_when_closing() -> None:
    plan = plan_account(
        desired(monetization=None), actual(quality_streamer=True, live={"streaming": True})
    )
    text = "\n".join(plan.warnings)
    assert "streaming right now" in text
    assert "优质主播" in text
    assert "enterprise account" in text
    assert "soft closure: 2 replay(s) stay online" in text
    assert "exportable until 2026-12-25" in text
    assert "short-video tipping is off" in text


def test_closing_with_schedules_left_alone_is_an_error_not_a_certain_failure() -> None:
    # The platform refuses to close live while a schedule is pending (§1); when the
    # configuration leaves schedules alone, apply could only fail, run after run.
    plan = plan_account(desired(schedules=None), actual())
    assert plan.status is Status.error
    assert plan.errors == (
        "closing live fails while 1 scheduled live(s) are pending (s1): "
        "set schedules: cleared, or cancel them in the app",
    )
    assert plan_account(desired(schedules="keep"), actual()).status is Status.error
    assert plan_account(desired(), actual()).status is Status.changes  # cleared: cancelled first
    past = [{"id": "s1", "start_at": NOW - timedelta(days=1)}]
    assert plan_account(desired(schedules=None), actual(schedules=past)).status is Status.changes


def test_replay_taken_down_before_any_backup_is_lost_an_error_unless_acknowledged() -> None:
    # The platform no longer serves a replay once it is offline: a download_replay for it
    # would fail on every run. With no copy it is lost, and lost data is reported as
    # lost (issue 12 §1), never in sync; acknowledging it keeps the old warning.
    replays = [
        {
            "id": "r1",
            "recorded_at": NOW - timedelta(days=20),
            "size_bytes": 10,
            "sha256": "0" * 64,
            "online": False,
        },
        {
            "id": "r2",
            "recorded_at": NOW - timedelta(days=10),
            "size_bytes": 10,
            "sha256": "1" * 64,
            "online": True,
        },
    ]
    plan = plan_account(desired(), actual(replays=replays))
    assert plan.status is Status.error
    assert [a.target for a in plan.actions if a.type == "download_replay"] == ["r2"]
    assert plan.errors == (
        "replay(s) r1 are lost: the platform no longer serves them and the backup store "
        "holds no verified copy; set backups.replays: ignore or "
        "acknowledge.replays_without_backup: true to accept the loss",
    )
    acked = plan_account(
        desired(acknowledge={"replays_without_backup": True}), actual(replays=replays)
    )
    assert acked.status is Status.changes
    assert (
        "replay(s) r1 were taken down before being backed up: the platform no longer "
        "serves them, no copy can be made"
    ) in acked.warnings
    saved = BackupState(False, False, frozenset({"r1"}))
    again = plan_account(desired(), actual(replays=replays, backups=saved))
    assert again.status is Status.changes
    assert not [w for w in again.warnings if "taken down before" in w]


def test_a_lost_replay_is_an_error_even_with_nothing_else_to_do() -> None:
    # The step 5: live closed, replays taken down, then the copies vanished. The
    # account must not read as in sync.
    gone = [
        {
            "id": "r1",
            "recorded_at": NOW - timedelta(days=5),
            "size_bytes": 10,
            "sha256": "0" * 64,
            "online": False,
        }
    ]
    want = desired(
        live={"permission": "disabled", "closure": "hard", "copyright_proof": "国作登字-1"},
        backups={"interactions": "ignore", "gift_ledger": "ignore", "replays": "present"},
        schedules=None,
        privacy=None,
        monetization=None,
        certification=None,
    )
    state = actual(
        replays=gone,
        live={"permission": "disabled"},
        backups=BackupState(False, False, frozenset()),
    )
    plan = plan_account(want, state)
    assert plan.actions == ()
    assert plan.status is Status.error
    assert "r1 are lost" in plan.errors[0]
    kept = plan_account(
        want,
        actual(
            replays=gone,
            live={"permission": "disabled"},
            backups=BackupState(False, False, frozenset({"r1"})),
        ),
    )
    assert kept.status is Status.in_sync
