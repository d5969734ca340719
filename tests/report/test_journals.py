"""Journals of past applies, read tolerantly: cut-off lines and unknown events are skipped."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ksctl.report.journals import read_run, read_runs


def _write(path: Path, *entries: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [e if isinstance(e, str) else json.dumps(e) for e in entries]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _end(address: str, outcome: str, at: str, writes: int = 1, message: str = "") -> dict:
    return {
        "at": at,
        "event": "end",
        "address": address,
        "outcome": outcome,
        "writes": writes,
        "message": message,
    }


def test_a_run_counts_accounts_by_outcome_and_writes_by_platform_day(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "journal" / "20261201T000000.000000Z-aaaaaa.jsonl",
        {"at": "2026-12-01T15:59:00+00:00", "event": "begin", "accounts": ["a1", "b2", "c3"]},
        _end("a1/enable_feature[x]", "done", "2026-12-01T15:59:10+00:00", 2),
        # 16:00 UTC is 00:00 in Asia/Shanghai: the next quota day
        _end("a1/disable_live", "already", "2026-12-01T16:00:01+00:00", 3),
        _end("b2/download_gift_ledger", "waiting", "2026-12-01T16:00:02+00:00", 0, "ticket open"),
        {"at": "2026-12-01T16:00:03+00:00", "event": "finish", "exit_code": 3, "writes": 5},
    )
    run = read_run(path)
    assert run is not None
    assert run.counts() == {"converged": 1, "waiting": 2, "failed": 0}  # c3 never started
    assert run.writes == 5 and run.exit_code == 3 and not run.interrupted
    assert run.writes_by_day == {date(2026, 12, 1): 2, date(2026, 12, 2): 3}
    assert run.messages == {"b2": "ticket open"}


def test_cut_off_lines_unknown_events_and_interruptions_are_tolerated(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    _write(
        folder / "20261201T000000.000000Z-aaaaaa.jsonl",
        {"at": "2026-12-01T01:00:00+00:00", "event": "begin", "accounts": ["a1"]},
        {"at": "2026-12-01T01:00:01+00:00", "event": "backup_reverified", "address": "a1/x"},
        "[1, 2]",
        _end("a1/disable_live", "failed", "not a time", writes="many"),  # type: ignore[arg-type]
        {"at": "2026-12-01T01:00:02+00:00", "event": "interrupted"},
        '{"at": "2026-12-01T01:00:03+00:00", "event": "fin',  # the crash cut this line
    )
    _write(folder / "20261202T000000.000000Z-bbbbbb.jsonl", "")
    (folder / "notes.txt").write_text("not a journal")
    runs = read_runs(tmp_path)
    assert [r.run for r in runs] == ["20261201T000000.000000Z-aaaaaa"]
    (run,) = runs
    assert run.interrupted and run.exit_code is None
    assert run.account_status("a1") == "failed"
    assert run.writes == 0


def test_no_journal_folder_is_no_runs(tmp_path: Path) -> None:
    assert read_runs(tmp_path) == []


def test_only_the_most_recent_runs_are_read(tmp_path: Path) -> None:
    for i in range(5):
        _write(
            tmp_path / "journal" / f"2026120{i}T000000.000000Z-run{i:03d}.jsonl",
            {"at": f"2026-12-0{i + 1}T00:00:00+00:00", "event": "begin", "accounts": []},
        )
    assert [r.run[-6:] for r in read_runs(tmp_path, limit=2)] == ["run003", "run004"]


def test_writes_count_on_the_platforms_day_when_its_clock_is_recorded(tmp_path: Path) -> None:
    """A sandbox's virtual clock: the quota day is the platform's, not this machine's."""
    path = _write(
        tmp_path / "journal" / "run.jsonl",
        {"at": "2026-12-02T06:00:00+00:00", "event": "begin", "accounts": ["a1"]},
        {
            "at": "2026-12-02T06:00:01+00:00",
            "event": "platform_clock",
            "now": "2026-11-27T11:00:01+08:00",
        },
        _end("a1/disable_live", "done", "2026-12-02T06:00:02+00:00", 3),
    )
    run = read_run(path)
    assert run is not None and run.writes_by_day == {date(2026, 11, 27): 3}
