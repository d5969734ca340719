"""What the plan believes on the real platform: observed, attested, or not yet as desired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ksctl.attestations.store import Attestation
from ksctl.backups.store import BackupState
from ksctl.contract.open_platform import Photo
from ksctl.engine.action import ActionType
from ksctl.engine.actual import ActualAccount
from ksctl.engine.build import plan_account
from ksctl.openplatform.provider import OPEN_PLATFORM
from ksctl.openplatform.state import Observed, synthesize
from tests.engine.factory import NOW, desired

T = ActionType
AGE = timedelta(days=30)
HARD = {"closure": "hard", "copyright_proof": "国作登字-2026-F-1"}


def work(photo_id: str, days_ago: float) -> Photo:
    at = NOW - timedelta(days=days_ago)
    return Photo(photo_id=photo_id, caption=photo_id, create_time=int(at.timestamp() * 1000))


SEEN = Observed(name="店", fans=10, works=[work("r2", 10), work("r1", 20)], works_count=2)


def said(step: str, days_ago: float = 1, target: str | None = None) -> Attestation:
    return Attestation(
        account="a1", action=step, target=target, by="王五", at=NOW - timedelta(days=days_ago)
    )


def plan(records: list[Attestation], seen: Observed = SEEN, now: datetime = NOW, **over: object):
    want = desired(live={"permission": "disabled", **HARD}, **over)
    made = synthesize(want, seen, records, now, AGE)
    actual = ActualAccount(
        made.state, BackupState(False, False, frozenset()), now, made.sources, made.warnings
    )
    return plan_account(want, actual, OPEN_PLATFORM), made


def types(acc: object) -> set[str]:
    return {a.type.value for a in acc.actions}  # type: ignore[attr-defined]


def test_nothing_attested_means_every_step_is_still_to_do_and_manual() -> None:
    acc, _ = plan([])
    assert {"disable_live", "cancel_schedule", "purge_viewer_pii", "export_interactions"} <= types(
        acc
    )
    assert all(a.manual and a.write_calls == 0 for a in acc.actions)
    how = {s.value: s.how for s in acc.sources}
    assert how["name"] == how["works"] == "observed"
    assert how["live.permission"] == how["schedules"] == "unknown"
    (cancel,) = [a for a in acc.actions if a.type is T.cancel_schedule]
    assert cancel.target == "all"  # the API cannot list them: one step for all


def test_attested_steps_count_and_say_by_whom_and_when() -> None:
    acc, _ = plan([said("cancel_schedule"), said("purge_viewer_pii")])
    assert not {"cancel_schedule", "purge_viewer_pii"} & types(acc)
    sources = {s.value: s for s in acc.sources}
    assert sources["schedules"].how == "attested"
    assert sources["schedules"].detail.startswith("attested by 王五 at 2026-11-24T10:00")


def test_a_stale_attestation_asks_for_the_check_again() -> None:
    acc, _ = plan([said("cancel_schedule", days_ago=31)])
    assert "cancel_schedule" in types(acc)
    assert {s.value: s.how for s in acc.sources}["schedules"] == "expired"


def test_a_closure_attested_before_a_later_work_is_caught_by_photo_list() -> None:
    acc, made = plan([said("disable_live", days_ago=15)])  # but r2 was recorded 10 days ago
    assert "disable_live" in types(acc)
    assert made.state.live.permission.value == "enabled"
    assert any("work r2 was recorded" in w and "set aside" in w for w in acc.warnings)


def test_a_forged_closure_the_api_cannot_see_is_reported_as_attested_only() -> None:
    acc, made = plan([said("disable_live", days_ago=1)])
    assert "disable_live" not in types(acc)
    source = {s.value: s for s in acc.sources}["live.permission"]
    assert (source.shown, source.how) == ("disabled", "attested")
    assert made.state.interactions.exportable_until == NOW - timedelta(days=1) + timedelta(days=30)


def test_a_takedown_is_believed_while_under_review_then_caught_if_works_stay_listed() -> None:
    records = [said("disable_live", days_ago=2), said("takedown_replays", days_ago=1)]
    acc, _ = plan(records)
    (down,) = [a for a in acc.actions if a.type is T.takedown_replays]
    assert down.waits_for and "under review" in down.waits_for
    later, _ = plan(records, now=NOW + timedelta(days=3))
    assert "takedown_replays" in types(later)
    assert any("photo/list still shows r1, r2" in w for w in later.warnings)
    gone, _ = plan(records, seen=Observed("店", 10, [], 0), now=NOW + timedelta(days=3))
    assert "takedown_replays" not in types(gone)
    assert not any("photo/list" in w for w in gone.warnings)


def test_a_record_dated_after_the_platform_clock_does_not_count() -> None:
    acc, _ = plan([said("cancel_schedule", days_ago=-2)])
    assert "cancel_schedule" in types(acc)
    assert any("after the platform's clock" in w for w in acc.warnings)


def test_the_version_moves_when_an_attestation_or_a_work_changes() -> None:
    _, a = plan([])
    _, b = plan([said("cancel_schedule")])
    _, c = plan([], seen=Observed("店", 10, [work("r1", 20)], 1))
    assert len({a.state.version, b.state.version, c.state.version}) == 3
    assert datetime.now(UTC)  # (no wall clock in the state: only the platform's)
