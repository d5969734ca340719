"""A document with too many values is blamed on aliases only when it has aliases: a large
legitimate configuration is told to split itself across files instead."""

from __future__ import annotations

import pytest

from ksctl import yamlio
from ksctl.errors import ConfigError


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_NODES", 100)


def message(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        yamlio.parse("a.yaml", text.encode())
    [problem] = caught.value.problems
    return problem.message


def test_a_large_plain_document_is_told_to_split() -> None:
    # Dense flow style: more values than the bound allows for its size, and no alias.
    accounts = ",".join("{id: a}" for _ in range(200))
    got = message(f"version: 1\naccounts: [{accounts}]\n")
    assert got.startswith("the document holds more than 202 values: split the accounts")
    assert "alias" not in got


def test_an_alias_bomb_is_still_called_one() -> None:
    got = message('a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: [' + "*a," * 11 + "]\n")
    assert got == (
        "the document expands to more than 100 values (aliases that expand exponentially?)"
    )
