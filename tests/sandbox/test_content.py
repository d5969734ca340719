"""Deterministic contents: same world, same bytes, same sha256."""

from __future__ import annotations

import hashlib
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ksctl.sandbox import content
from ksctl.sandbox.clock import SHANGHAI


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(0, 300_000),
    start=st.integers(0, 300_000),
    length=st.integers(0, 200_000),
)
def test_any_slice_matches_the_whole(size: int, start: int, length: int) -> None:
    whole = content.replay_bytes("acc", "r1", size)
    assert len(whole) == size
    assert (
        content.replay_bytes("acc", "r1", size, start, start + length)
        == whole[start : start + length]
    )


def test_replay_sha256_is_the_hash_of_its_bytes() -> None:
    for size in (0, 1, content.BLOCK, content.BLOCK + 1, 3 * content.BLOCK - 7):
        data = content.replay_bytes("acc", "r1", size)
        assert content.replay_sha256("acc", "r1", size) == hashlib.sha256(data).hexdigest()


def test_replays_differ_between_accounts_and_ids() -> None:
    assert content.replay_bytes("a", "r1", 64) != content.replay_bytes("b", "r1", 64)
    assert content.replay_bytes("a", "r1", 64) != content.replay_bytes("a", "r2", 64)


def test_export_rows_per_day() -> None:
    start = datetime(2026, 8, 27, 10, tzinfo=SHANGHAI)
    end = datetime(2026, 11, 25, 10, tzinfo=SHANGHAI)
    first = content.export_csv("acc", start, end)
    assert first == content.export_csv("acc", start, end)
    lines = first.decode().splitlines()
    assert lines[0] == "date,danmaku,likes,peak_viewers" and len(lines) == 91


def test_ledger_is_stable_and_sorted() -> None:
    until = datetime(2026, 11, 25, 10, tzinfo=SHANGHAI)
    ledger = content.ledger_csv("acc", until).decode().splitlines()
    assert ledger == content.ledger_csv("acc", until).decode().splitlines()
    times = [line.split(",")[0] for line in ledger[1:]]
    assert times == sorted(times)
