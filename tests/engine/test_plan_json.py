"""The plan's JSON: pydantic's encoder writes exactly the bytes json.dumps wrote, for any text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ksctl.engine.action import Action, ActionType
from ksctl.engine.plan import AccountPlan, Plan, Safety, Status, Summary

# Any text a name, a warning or an error may hold: control characters, quotes, backslashes,
# CJK, emoji, the line and paragraph separators (json.dumps leaves them raw).
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "返"]),
    ),
    max_size=12,
)
# What before/after/params hold: ksctl writes no float into a plan.
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6,
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]
    ),
)


@st.composite
def actions(draw: Any) -> Action:
    type_ = draw(st.sampled_from(list(ActionType)))
    return Action(
        address=f"a/{type_.value}",
        type=type_,
        target=draw(st.none() | texts),
        before=draw(values),
        after=draw(values),
        depends_on=tuple(draw(st.lists(texts, max_size=2))),
        irreversible=draw(st.booleans()),
        write_calls=draw(st.integers(0, 3)),
        effects=tuple(draw(st.lists(texts, max_size=2))),
        waits_for=draw(st.none() | texts),
        params=draw(st.dictionaries(texts, values, max_size=2)),
        manual=draw(st.none() | texts),
    )


@st.composite
def plans(draw: Any) -> Plan:
    accounts = tuple(
        AccountPlan(
            id=draw(texts),
            name=draw(st.none() | texts),
            status=draw(st.sampled_from(list(Status))),
            version=draw(st.none() | texts),
            actions=tuple(draw(st.lists(actions(), max_size=3))),
            warnings=tuple(draw(st.lists(texts, max_size=2))),
            errors=tuple(draw(st.lists(texts, max_size=2))),
            destination=draw(st.none() | texts),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    created = draw(moments)
    return Plan(
        created_at=created,
        expires_at=created + timedelta(hours=24),
        target=draw(texts),
        accounts=accounts,
        summary=Summary(
            accounts=len(accounts),
            in_sync=0,
            changes=len(accounts),
            blocked=0,
            actions=sum(len(a.actions) for a in accounts),
            write_calls=draw(st.integers(0, 10**6)),
            quota_remaining_today=draw(st.none() | st.integers(0, 100)),
            days_to_converge=draw(st.integers(0, 9)),
        ),
        safety=Safety(unsafe=draw(st.booleans()), reasons=tuple(draw(st.lists(texts, max_size=2)))),
        warnings=tuple(draw(st.lists(texts, max_size=2))),
    ).sealed()


@settings(max_examples=60, deadline=None)
@given(plans())
def test_to_json_is_the_bytes_json_dumps_wrote(plan: Plan) -> None:
    before = json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    assert plan.to_json() == before


def test_to_json_of_an_empty_plan_keeps_its_empty_lists() -> None:
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    plan = Plan(
        created_at=now,
        expires_at=now,
        target="t",
        accounts=(AccountPlan(id="a", status=Status.in_sync),),
        summary=Summary(
            accounts=1,
            in_sync=1,
            changes=0,
            blocked=0,
            actions=0,
            write_calls=0,
            quota_remaining_today=None,
            days_to_converge=0,
        ),
        safety=Safety(unsafe=False),
    )
    assert '"actions": [],' in plan.to_json()
    assert (
        plan.to_json()
        == json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    )


def _whole_document_checksum(plan: Plan) -> str:
    import hashlib

    canonical = json.dumps(plan.body(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@settings(max_examples=60, deadline=None)
@given(plans())
def test_the_checksum_hashed_an_account_at_a_time_is_the_whole_documents(plan: Plan) -> None:
    assert plan.checksum == plan.compute_checksum() == _whole_document_checksum(plan)
