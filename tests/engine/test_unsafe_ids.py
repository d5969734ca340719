"""One unsafe replay id from the platform (`../../x`) is that account's error: the plan
is still made and printed for every other account, and nothing touches the file system
outside the backup folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ksctl.cli import cli
from tests.platform import hostile as h

CONFIG = """version: 1
accounts:
  - id: "3xk9d2a1"
    backups: {replays: present, destination: backups}
  - id: "3xk9d2a2"
    backups: {replays: present, destination: backups}
"""


def two_accounts(handler: h.Handler, q: dict[str, str]) -> None:
    bad = {**h.REPLAY, "id": "../../x"}
    accounts = [
        h.account_json("3xk9d2a1", name="坏", replays=[bad]),
        h.account_json("3xk9d2a2", name="好", replays=[h.REPLAY]),
    ]
    handler.json(200, {"result": 1, "accounts": accounts, "next_cursor": None, "missing": []})


def test_an_unsafe_replay_id_is_that_accounts_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "accounts.yaml").write_text(CONFIG)
    with h.hostile({"/openapi/accounts": two_accounts}) as server:
        for name, value in h.env(server.url).items():
            monkeypatch.setenv(name, value)
        got = CliRunner().invoke(cli, ["plan", "accounts.yaml"])
    assert got.exit_code == 1, got.output
    assert "# account 3xk9d2a1 (坏): error" in got.stdout
    assert "replay id(s) '../../x' that cannot be file names" in got.stdout
    assert "# account 3xk9d2a2 (好): changes" in got.stdout
    assert "+ 3xk9d2a2/download_replay[r1]" in got.stdout
    assert "download_replay[../../x]" not in got.stdout
