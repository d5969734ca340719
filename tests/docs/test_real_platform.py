"""docs/real-platform.md: a row for every action type (its walk-through runs once the
accounts' own tokens are on main)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "real-platform.md"


def test_every_action_type_has_a_row_in_the_table() -> None:
    from ksctl.engine.specs import SPECS

    text = DOC.read_text(encoding="utf-8")
    for type_, spec in SPECS.items():
        assert f"`{type_.value}`" in text, type_
        assert (spec.manual or "").split("（")[0].split(" → ")[0] in text
