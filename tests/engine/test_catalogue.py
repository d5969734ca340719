"""Which actions a difference calls for, their dependencies and costs (docs/architecture.md)."""

from __future__ import annotations

from ksctl.backups.store import BackupState
from ksctl.engine.action import ActionType as T
from ksctl.engine.build import plan_account
from ksctl.engine.plan import Status
from tests.engine.factory import actual, desired


def by_address(plan):  # type: ignore[no-untyped-def]
    return {a.address: a for a in plan.actions}


def test_full_soft_closure_has_every_action_in_order() -> None:
    plan = plan_account(desired(), actual())
    assert plan.status is Status.changes
    assert [a.address for a in plan.actions] == [
        "a1/enable_feature[short_video_tipping]",
        "a1/export_interactions",
        "a1/request_gift_ledger",
        "a1/download_replay[r1]",
        "a1/download_replay[r2]",
        "a1/cancel_schedule[s1]",
        "a1/download_gift_ledger",
        "a1/purge_viewer_pii",
        "a1/disable_live",
    ]
    actions = by_address(plan)
    close = actions["a1/disable_live"]
    assert set(close.depends_on) == set(actions) - {"a1/disable_live", "a1/request_gift_ledger"}
    assert close.needs_verification and close.write_calls == 3
    assert close.effects[0] == "certification.live_certified: true -> false"
    assert actions["a1/purge_viewer_pii"].depends_on == ("a1/export_interactions",)
    assert actions["a1/purge_viewer_pii"].irreversible
    assert actions["a1/download_gift_ledger"].depends_on == ("a1/request_gift_ledger",)
    assert plan.write_calls == 1 + 1 + 1 + 1 + 1 + 3


def test_hard_closure_takes_replays_down_last() -> None:
    plan = plan_account(desired(live={"closure": "hard", "copyright_proof": "P-1"}), actual())
    takedown = plan.actions[-1]
    assert takedown.type is T.takedown_replays
    assert takedown.irreversible
    assert set(takedown.depends_on) == {
        "a1/download_replay[r1]",
        "a1/download_replay[r2]",
        "a1/disable_live",
    }
    assert takedown.params == {"copyright_proof": "P-1", "replay_ids": ["r1", "r2"]}


def test_in_sync_when_everything_already_holds() -> None:
    done = actual(
        backups=BackupState(True, True, frozenset({"r1", "r2"})),
        live={"permission": "disabled"},
        schedules=[],
        certification={"live_certified": False},
        interactions={"viewer_phone_numbers": 0, "exportable": True},
        monetization={"short_video_tipping": "enabled"},
    )
    plan = plan_account(desired(), done)
    assert plan.status is Status.in_sync
    assert plan.actions == ()


def test_unsaid_properties_are_left_alone() -> None:
    plan = plan_account(
        desired(live=None, schedules=None, backups=None, privacy=None, monetization=None), actual()
    )
    assert plan.status is Status.in_sync


def test_certification_removed_directly_only_while_live_stays_on() -> None:
    keep_live = desired(live={"permission": "enabled"}, certification={"live_certified": False})
    assert "a1/remove_certification" in by_address(plan_account(keep_live, actual()))
    closing = desired(certification={"live_certified": False})
    assert "a1/remove_certification" not in by_address(plan_account(closing, actual()))


def test_existing_ticket_and_job_are_reused_not_reopened() -> None:
    work = {
        "export_job": {
            "id": "j1",
            "account_id": "a1",
            "status": "pending",
            "created_at": "2026-11-25T09:00:00+08:00",
            "ready_at": "2026-11-25T09:05:00+08:00",
            "range_start": "2026-08-27T00:00:00+08:00",
            "range_end": "2026-11-25T00:00:00+08:00",
        },
        "gift_ledger_ticket": {
            "id": "t1",
            "account_id": "a1",
            "status": "open",
            "created_at": "2026-11-25T09:00:00+08:00",
            "fulfilled_at": "2026-11-27T09:00:00+08:00",
        },
    }
    actions = by_address(plan_account(desired(), actual(open_work=work)))
    assert "a1/request_gift_ledger" not in actions
    assert actions["a1/export_interactions"].write_calls == 0
    assert "2026-11-27" in (actions["a1/download_gift_ledger"].waits_for or "")


def test_enable_live_and_feature_disable() -> None:
    plan = plan_account(
        desired(
            live={"permission": "enabled"},
            backups=None,
            privacy=None,
            schedules=None,
            monetization={"shopping_cart": "disabled", "short_video_tipping": None},
        ),
        actual(live={"permission": "disabled"}),
    )
    assert [a.address for a in plan.actions] == [
        "a1/disable_feature[shopping_cart]",
        "a1/enable_live",
    ]


def test_actions_of_one_shape_share_their_fields_set_and_copies_do_not_leak() -> None:
    # Memory: the set pydantic keeps per instance is shared between actions of one shape
    # (a 100,000-account plan's 600,000 actions); a copy with changes gets its own.
    first = by_address(plan_account(desired(), actual()))["a1/purge_viewer_pii"]
    second = by_address(plan_account(desired(), actual()))["a1/purge_viewer_pii"]
    assert first is not second
    assert first.model_fields_set is second.model_fields_set
    given = set(first.model_fields_set)
    changed = first.model_copy(update={"waits_for": "a ticket"})
    assert "waits_for" in changed.model_fields_set
    assert first.model_fields_set == given == second.model_fields_set
    assert first.model_dump() == second.model_dump()
