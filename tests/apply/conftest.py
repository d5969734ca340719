"""Apply tests run the real CLI against an embedded sandbox in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ksctl.cli import cli
from ksctl.sandbox.embedded import embedded_store
from ksctl.sandbox.store import Store


@dataclass
class Workspace:
    root: Path
    runner: CliRunner

    def ksctl(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    @property
    def store(self) -> Store:
        return embedded_store(self.root)

    def journal(self) -> list[dict[str, Any]]:
        events = []
        for path in sorted((self.root / ".ksctl" / "journal").glob("*.jsonl")):
            events.extend(json.loads(line) for line in path.read_text().splitlines())
        return events


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    for name in (
        "KSCTL_ENDPOINT",
        "KSCTL_APP_ID",
        "KSCTL_APP_SECRET",
        "KSCTL_SMS_CODE_COMMAND",
        "CI",
        "NO_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield Workspace(tmp_path, CliRunner())
