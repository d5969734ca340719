"""The diff: only the sections that differ go to deepdiff, and nothing is lost by it."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from hypothesis import given, settings

from ksctl.engine.diff import changes, leaves, project
from tests.engine.factory import actual, desired
from tests.engine.test_order_property import accounts


@settings(max_examples=300, deadline=None)
@given(accounts())
def test_changes_are_those_of_the_whole_documents(account: tuple[Any, Any]) -> None:
    want, have = account
    wanted, has = project(want, have)
    whole = leaves(DeepDiff(has, wanted, view="tree", ignore_order=True))
    assert changes(want, have) == whole


def test_a_converged_account_has_no_changes_and_a_partial_one_only_its_own() -> None:
    closed = {
        "live": {"permission": "disabled", "streaming": False},
        "schedules": [],
        "interactions": {"viewer_phone_numbers": 0},
        "monetization": {"short_video_tipping": "enabled"},
    }
    want = desired(backups=None)
    assert changes(want, actual(**closed)) == {}
    still_tipping_off = {**closed, "monetization": {"short_video_tipping": "disabled"}}
    assert changes(want, actual(**still_tipping_off)) == {
        ("monetization", "short_video_tipping"): ("disabled", "enabled")
    }
