"""The benchmark at a tiny size, in CI: it runs, and what it measures still holds.

Speed is not asserted (machines are noisy); counts are: reads are batched, an apply makes
exactly the write calls its plan counts, and the table is there and parses.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.report import BATCH

ROOT = Path(__file__).resolve().parents[2]
SIZES = (20, 250)  # one batch, and more than one
APPLY_ACCOUNTS = 5
pytestmark = pytest.mark.slow  # about 15 s: a served sandbox, worlds seeded, a dozen processes

NUMBER = re.compile(r"^[×]?[\d,]+(\.\d+)?$")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--sizes",
            ",".join(map(str, SIZES)),
            "--repeat",
            "1",
            "--apply-accounts",
            str(APPLY_ACCOUNTS),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    return out.read_text(encoding="utf-8"), results


def _table(markdown: str, heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first table after `heading`, header row excluded."""
    lines = markdown[markdown.index(heading) :].splitlines()[1:]
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    assert set(rows[1][0]) <= set("-:"), "the second row separates the header"
    return rows[2:]


def _numbers(cell: str) -> list[float]:
    """Every figure in a cell such as `0.961 (×29.5)` or `118 / 68`; each must parse."""
    parts = [p for p in re.split(r"[\s()/]+", cell) if p]
    assert parts and all(NUMBER.match(p) for p in parts), f"not figures: {cell!r}"
    return [float(p.lstrip("×").replace(",", "")) for p in parts]


def _first(cell: str) -> float:
    """The leading figure of a cell such as `38 (1 refused)`."""
    return _numbers(cell.split(" (")[0])[0]


def test_plan_table_has_a_row_per_size_and_every_figure_parses(bench: tuple[str, Any]) -> None:
    markdown, _ = bench
    rows = _table(markdown, "## Plan")
    assert [_numbers(row[0]) for row in rows] == [[n] for n in SIZES]
    for row in rows:
        for cell in row:
            assert all(x >= 0 for x in _numbers(cell))
    for n in SIZES:
        assert f"### {n:,} accounts" in markdown


def test_reads_are_batched(bench: tuple[str, Any]) -> None:
    markdown, _ = bench
    for row in _table(markdown, "## Plan"):
        n = int(_numbers(row[0])[0])
        # A read per batch of ids, one of the quota, one to spare (a clock or sandbox probe).
        bound = (math.ceil(n / BATCH) + 2) / n
        reads_per_account = _numbers(row[7])[0]
        assert 0 < reads_per_account <= bound, (n, reads_per_account, bound)


def test_every_plan_reads_the_same_and_sees_every_account(bench: tuple[str, Any]) -> None:
    _, results = bench
    for size in results["sizes"]:
        plans = [run for mode in ("embedded", "http", "http-limited") for run in size["runs"][mode]]
        assert {run["accounts"] for run in plans} == {size["accounts"]}
        assert {run["errors"] for run in plans} == {0}
        assert len({json.dumps(run["calls"], sort_keys=True) for run in plans}) == 1
        assert not any(call.startswith("write:") for run in plans for call in run["calls"])


def test_apply_writes_exactly_what_the_plan_counts(bench: tuple[str, Any]) -> None:
    markdown, _ = bench
    rows = {row[0]: row for row in _table(markdown, "## Apply")}
    clean = rows.pop("no faults")
    accounts, needed, made, committed = (_first(c) for c in clean[1:5])
    assert accounts == APPLY_ACCOUNTS
    assert needed > 0
    assert made == committed == needed
    assert _numbers(clean[10]) == [0], "the apply converged (exit 0)"
    (faulty,) = rows.values()
    needed, made, committed = (_first(c) for c in faulty[2:5])
    assert committed <= needed <= made, "retries may cost calls, never a second write"


def test_the_drift_check_sees_a_converged_fleet_in_sync_at_the_same_reads(
    bench: tuple[str, Any],
) -> None:
    _, results = bench
    for size in results["sizes"]:
        (closure, *_), drift = size["runs"]["embedded"], size["runs"]["drift"]
        assert drift and {(r["accounts"], r["actions"], r["errors"]) for r in drift} == {
            (size["accounts"], 0, 0)
        }
        assert {json.dumps(r["calls"], sort_keys=True) for r in drift} == {
            json.dumps(closure["calls"], sort_keys=True)
        }
