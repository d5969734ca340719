"""docs/real-platform.md, run as written on the open_platform sandbox profile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.docs import shell_blocks

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "real-platform.md"


@pytest.mark.skipif(shutil.which("ksctl") is None, reason="needs the installed ksctl script")
def test_the_walk_through_runs_as_written(tmp_path: Path) -> None:
    result = shell_blocks.run(DOC.read_text(encoding="utf-8"), tmp_path, timeout=900)
    assert result.returncode == 0, (
        f"the walk-through stopped (exit {result.returncode}):\n{result.stderr[-4000:]}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}"
    )
    folder = tmp_path / "real-platform"
    believed = json.loads((folder / "believed.json").read_text(encoding="utf-8"))
    assert [a["status"] for a in believed["accounts"]] == ["in_sync", "in_sync"]
    for account in believed["accounts"]:
        how = {s["value"]: s["how"] for s in account["sources"]}
        assert how["name"] == how["works"] == "observed"
        assert how["live.permission"] == how["schedules"] == "attested"
    writes = json.loads((folder / "writes.json").read_text(encoding="utf-8"))
    assert writes and {w["app_id"] for w in writes} == {"(in the app)"}
    everything = result.stdout + result.stderr
    assert "13800001201" not in everything and "138****" not in everything
    records = [p.read_text(encoding="utf-8") for p in (folder / "attestations").rglob("*.yaml")]
    assert records and not any("493021" in r for r in records)  # refused, never recorded


def test_every_action_type_has_a_row_in_the_table() -> None:
    from ksctl.engine.specs import SPECS

    text = DOC.read_text(encoding="utf-8")
    for type_, spec in SPECS.items():
        assert f"`{type_.value}`" in text, type_
        assert (spec.manual or "").split("（")[0].split(" → ")[0] in text
