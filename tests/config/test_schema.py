"""The JSON Schema: generated from the models, checked in, and true to the examples."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from ksctl.schema import dumps, generators
from tests.conftest import FIXTURES, ROOT

EXAMPLES = sorted((ROOT / "examples").rglob("accounts*.yaml"))


@pytest.mark.parametrize("name", sorted(generators()))
def test_checked_in_schema_is_up_to_date(name: str) -> None:
    on_disk = (ROOT / "schemas" / name).read_text(encoding="utf-8")
    assert on_disk == dumps(generators()[name]()), f"schemas/{name} is stale: run `ksctl schema`"


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads((ROOT / "schemas" / "accounts.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_against_the_schema_independently(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/accounts.schema.json")
    errors = list(_validator().iter_errors(yaml.safe_load(text)))
    assert errors == []


@pytest.mark.parametrize("name", ["unknown_keys.yaml", "bad_enums.yaml", "wrong_types.yaml"])
def test_schema_rejects_what_the_loader_rejects(name: str) -> None:
    data = yaml.safe_load((FIXTURES / "config" / "broken" / name).read_text(encoding="utf-8"))
    assert list(_validator().iter_errors(data)) != []


def test_schema_command_reproduces_every_checked_in_document(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ksctl.cli import cli

    result = CliRunner().invoke(cli, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in (ROOT / "schemas").glob("*.json"))
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / "schemas" / name).read_bytes(), name
