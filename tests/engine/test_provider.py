"""A provider that cannot perform an action through the API: the plan names the step in the
app instead, and the plan JSON carries it only when there is one."""

from __future__ import annotations

import json

from ksctl.engine.action import ActionType
from ksctl.engine.build import plan_account
from ksctl.engine.provider import MODELLED_API, Provider
from ksctl.engine.specs import SPECS
from tests.engine.factory import actual, desired

T = ActionType
NO_LIVE_API = Provider(
    "no-live-api", frozenset(ActionType) - {T.disable_live, T.remove_certification}
)


def test_every_action_type_has_a_step_in_the_app() -> None:
    assert all(SPECS[t].manual for t in ActionType)
    assert all(MODELLED_API.manual_step(t) is None for t in ActionType)


def test_actions_the_provider_cannot_perform_are_manual_steps() -> None:
    want = desired(certification={"live_certified": False})
    by_api = plan_account(want, actual())
    by_hand = plan_account(want, actual(), NO_LIVE_API)
    assert [a.address for a in by_hand.actions] == [a.address for a in by_api.actions]
    for api, hand in zip(by_api.actions, by_hand.actions, strict=True):
        if hand.type in (T.disable_live, T.remove_certification):
            assert hand.manual == SPECS[hand.type].manual
            assert hand.write_calls == 0 and not hand.needs_verification
            assert hand.depends_on == api.depends_on  # still after the backups
        else:
            assert hand == api
    assert any(a.manual for a in by_hand.actions)
    assert by_hand.write_calls == by_api.write_calls - 3  # closing live's three calls


def test_the_plan_json_names_a_manual_step_only_where_there_is_one() -> None:
    want = desired()
    (api_live,) = [a for a in plan_account(want, actual()).actions if a.type is T.disable_live]
    assert "manual" not in json.loads(api_live.model_dump_json())
    (hand_live,) = [
        a for a in plan_account(want, actual(), NO_LIVE_API).actions if a.type is T.disable_live
    ]
    assert json.loads(hand_live.model_dump_json())["manual"] == SPECS[T.disable_live].manual
