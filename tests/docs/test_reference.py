"""docs/configuration.md is generated from the models, and a test fails when it is stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import Field, StrictBool
from pydantic.fields import FieldInfo

from ksctl import docgen
from ksctl.cli import cli
from ksctl.config.model import LiveSpec, MonetizationSpec

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "configuration.md"


def test_checked_in_reference_is_up_to_date() -> None:
    """Regenerate with `ksctl docs --out docs/configuration.md` when this fails."""
    assert REFERENCE.read_text(encoding="utf-8") == docgen.render_reference(), (
        "docs/configuration.md is stale: run `ksctl docs --out docs/configuration.md`"
    )


def test_docs_check_command_passes_on_the_repository() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ksctl.cli", "docs", "--check", "--out", "docs/configuration.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "configuration.md"
    shutil.copyfile(REFERENCE, copy)
    return copy


def _check(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["docs", "--check", "--out", str(path)])
    return result.exit_code, result.output


def test_a_changed_description_makes_the_reference_stale(
    reference_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _check(reference_copy)[0] == 0
    field = LiveSpec.model_fields["permission"]
    monkeypatch.setattr(field, "description", "The account's ability to go live, reworded.")
    code, output = _check(reference_copy)
    assert code == 1
    assert "stale" in output and "ksctl docs --out" in output
    assert "reworded" in docgen.render_reference()


def test_a_new_field_makes_the_reference_stale(
    reference_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new: FieldInfo = Field(None, description="A new switch nobody documented.")
    new.annotation = StrictBool | None
    monkeypatch.setitem(MonetizationSpec.__pydantic_fields__, "live_gifts", new)
    assert "`monetization.live_gifts`" in docgen.render_reference()
    assert _check(reference_copy)[0] == 1


def test_a_removed_field_makes_the_reference_stale(
    reference_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = dict(MonetizationSpec.__pydantic_fields__)
    del fields["shopping_cart"]
    monkeypatch.setattr(MonetizationSpec, "__pydantic_fields__", fields)
    assert "shopping_cart" not in docgen.render_reference()
    assert _check(reference_copy)[0] == 1


def test_regenerating_fixes_a_stale_reference(reference_copy: Path) -> None:
    reference_copy.write_text("# hand-edited\n", encoding="utf-8")
    assert _check(reference_copy)[0] == 1
    result = CliRunner().invoke(cli, ["docs", "--out", str(reference_copy)])
    assert result.exit_code == 0, result.output
    assert _check(reference_copy)[0] == 0


def test_a_missing_reference_is_stale(tmp_path: Path) -> None:
    assert _check(tmp_path / "nowhere.md")[0] == 1


def test_check_needs_out() -> None:
    result = CliRunner().invoke(cli, ["docs", "--check"])
    assert result.exit_code == 2
    assert "--check needs --out" in result.output


def test_the_reference_covers_every_model_field() -> None:
    text = docgen.render_reference()
    for model in (LiveSpec, MonetizationSpec):
        for name, field in model.model_fields.items():
            assert name in text
            assert field.description and field.description.split(".")[0][:30] in text
