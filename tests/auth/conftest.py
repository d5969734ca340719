"""A workspace whose demo app holds no app-wide grant: every account needs its holder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.apply.conftest import Workspace
from tests.auth.login import CLEAN_ENV
from tests.conftest import ROOT

CONFIG = """\
version: 1
accounts:
  - id: "3xm7c5b0"
    monetization: {short_video_tipping: enabled}
  - id: "8qv2n6e4"
    monetization: {short_video_tipping: enabled}
"""


def oauth_world(path: Path) -> Path:
    """The demo world, but the demo app was granted nothing app-wide."""
    world = yaml.safe_load((ROOT / "ksctl" / "sandbox" / "demo_world.yaml").read_text())
    world["apps"][0]["accounts"] = []
    path.write_text(yaml.safe_dump(world, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def ows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    for name in (*CLEAN_ENV, "KSCTL_TOKEN_KEY", "KSCTL_SMS_CODE_COMMAND", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    ws = Workspace(tmp_path, CliRunner())
    assert ws.ksctl("sandbox", "seed", str(oauth_world(tmp_path / "world.yaml"))).exit_code == 0
    (tmp_path / "accounts.yaml").write_text(CONFIG, encoding="utf-8")
    yield ws
