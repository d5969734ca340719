"""The diff: scalars compared plainly, only the collections that differ go to deepdiff, and
every result is the whole-document deepdiff's."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st

from ksctl.engine.diff import changes, diff_documents, leaves, project
from tests.engine.factory import actual, desired
from tests.engine.test_order_property import accounts


@settings(max_examples=300, deadline=None)
@given(accounts())
def test_changes_are_those_of_the_whole_documents(account: tuple[Any, Any]) -> None:
    want, have = account
    wanted, has = project(want, have)
    whole = leaves(DeepDiff(has, wanted, view="tree", ignore_order=True))
    assert changes(want, have) == whole


# Scalars of every JSON type, True next to 1 and 1.0 (deepdiff tells them apart), a few
# keys so that both sides share most of them, mappings down to three levels.
scalars = st.sampled_from([None, True, False, 0, 1, 2, 1.0, 1.5, "", "present", "返场"])
keys = st.sampled_from(["live", "s1", "r1", "1"])
documents = st.recursive(
    scalars, lambda inner: st.dictionaries(keys, inner, max_size=4), max_leaves=10
)
sections = st.dictionaries(keys, documents, max_size=5)


@settings(max_examples=200, deadline=None)
@given(sections, sections)
def test_any_two_documents_diff_as_deepdiff_diffs_them(have: Any, want: Any) -> None:
    whole = leaves(DeepDiff(have, want, view="tree", ignore_order=True))
    assert diff_documents(have, want) == whole


# Collections keyed by platform ids (schedules, replays), larger than `documents`' so that the
# two sides share any share of their keys: deepdiff reports a mapping whole below a third.
ids = st.sampled_from([f"s{i}" for i in range(8)])
collections = st.dictionaries(ids, scalars, max_size=8)
nested = st.dictionaries(keys, st.one_of(collections, st.dictionaries(keys, collections)))


@settings(max_examples=300, deadline=None)
@given(nested, nested)
def test_collections_diff_as_deepdiff_diffs_them(have: Any, want: Any) -> None:
    whole = leaves(DeepDiff(have, want, view="tree", ignore_order=True))
    assert diff_documents(have, want) == whole


def test_plain_entries_of_collections_need_no_deepdiff(monkeypatch: Any) -> None:
    """A closure's collections (a schedule to cancel, a replay to back up) are all plain."""
    import ksctl.engine.diff as diff

    monkeypatch.setattr(diff, "DeepDiff", None)  # called, it would raise
    have = {"schedules": {"s1": "Live"}, "backups": {"replays": {"r1": "absent"}}}
    want = {"schedules": {}, "backups": {"replays": {"r1": "present", "r2": "present"}}}
    assert diff_documents(have, want) == {
        ("schedules", "s1"): ("Live", None),
        ("backups", "replays", "r1"): ("absent", "present"),
        ("backups", "replays", "r2"): (None, "present"),
    }


@settings(max_examples=50, deadline=None)
@given(sections)
def test_a_document_against_itself_has_no_changes(doc: Any) -> None:
    assert diff_documents(doc, doc) == {}


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
