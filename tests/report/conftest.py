"""Report tests run against an embedded sandbox in a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ksctl.cli import cli
from tests.conftest import FIXTURES

WORLD = FIXTURES / "report" / "world.yaml"
ACCOUNTS = FIXTURES / "report" / "accounts.yaml"


@dataclass
class Here:
    root: Path

    def ksctl(self, *args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    def report(self, *paths: str, **options: str) -> dict[str, Any]:
        out = self.root / "report.json"
        result = self.ksctl("report", *paths, "--out", str(out), "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    for name in ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET", "CI", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield Here(tmp_path)


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in report["accounts"]}
