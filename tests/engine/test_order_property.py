"""The order of docs/architecture.md holds for every account of large random worlds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ksctl.backups.store import BackupState
from ksctl.engine.build import plan_account
from ksctl.engine.graph import order
from ksctl.engine.specs import BACKUP_ACTIONS, ActionType
from tests.engine.factory import NOW, actual, desired

T = ActionType
toggle = st.sampled_from(["enabled", "disabled"])
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731


@st.composite
def accounts(draw: Any) -> tuple[Any, Any]:
    n_replays = draw(st.integers(0, 4))
    replays = [
        {
            "id": f"r{i}",
            "recorded_at": NOW - timedelta(days=i + 1),
            "size_bytes": 1,
            "sha256": "0" * 64,
            "online": draw(st.booleans()),
        }
        for i in range(n_replays)
    ]
    schedules = [
        {"id": f"s{i}", "start_at": NOW + timedelta(days=draw(st.integers(-3, 9)))}
        for i in range(draw(st.integers(0, 3)))
    ]
    live = draw(toggle)
    state = {
        "live": {"permission": live, "streaming": draw(st.booleans())},
        "certification": {"live_certified": draw(st.booleans())},
        "replays": replays,
        "schedules": schedules,
        "interactions": {"viewer_phone_numbers": draw(st.integers(0, 3)), "exportable": True},
        "monetization": {"short_video_tipping": draw(toggle), "shopping_cart": draw(toggle)},
    }
    backed = BackupState(
        draw(st.booleans()),
        draw(st.booleans()),
        frozenset(r["id"] for r in replays if draw(st.booleans())),
    )
    closure = draw(st.sampled_from(["soft", "hard"]))
    permission = "disabled" if closure == "hard" else draw(maybe(toggle))
    want = {
        "live": {
            "permission": permission,
            "closure": closure,
            **({"copyright_proof": "P"} if closure == "hard" else {}),
        },
        "schedules": draw(maybe(st.sampled_from(["cleared", "keep"]))),
        "backups": {
            "interactions": draw(maybe(st.sampled_from(["present", "ignore"]))),
            "gift_ledger": draw(maybe(st.sampled_from(["present", "ignore"]))),
            "replays": "present"
            if closure == "hard"
            else draw(maybe(st.sampled_from(["present", "ignore"]))),
        },
        "privacy": {"purge_viewer_phone_numbers": draw(st.booleans())},
        "certification": {"live_certified": draw(maybe(st.just(False)))},
        "monetization": {
            "short_video_tipping": draw(maybe(toggle)),
            "shopping_cart": draw(maybe(toggle)),
        },
    }
    return desired(**want), actual(backups=backed, **state)


@settings(max_examples=300, deadline=None)
@given(st.lists(accounts(), min_size=1, max_size=8))
def test_every_action_comes_after_what_it_depends_on(world: list[Any]) -> None:
    for want, have in world:
        plan = plan_account(want, have)
        position = {a.address: i for i, a in enumerate(plan.actions)}
        types = [a.type for a in plan.actions]
        for action in plan.actions:
            for dep in action.depends_on:
                assert position[dep] < position[action.address]
        if T.disable_live in types:
            close = types.index(T.disable_live)
            must_precede = BACKUP_ACTIONS | {
                T.purge_viewer_pii,
                T.cancel_schedule,
                T.enable_feature,
                T.disable_feature,
                T.request_gift_ledger,
            }
            assert all(i < close for i, t in enumerate(types) if t in must_precede)
        if T.takedown_replays in types:
            down = types.index(T.takedown_replays)
            assert all(
                i < down for i, t in enumerate(types) if t in (T.download_replay, T.disable_live)
            )
        if T.purge_viewer_pii in types and T.export_interactions in types:
            assert types.index(T.export_interactions) < types.index(T.purge_viewer_pii)
        # Sorting is deterministic: the same input orders the same way, from any start.
        assert order(reversed(plan.actions)) == list(plan.actions)
