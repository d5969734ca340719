"""Loading: defaults merge, folders, duplicate ids, all errors at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ksctl.config import load_config
from ksctl.config.model import Backup, Closure, Permission
from ksctl.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_merge_deeply_and_account_wins(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        """\
version: 1
defaults:
  live: {permission: disabled, closure: soft}
  backups: {interactions: present, replays: present}
accounts:
  - id: a1
    live: {closure: hard, copyright_proof: P-1}
    backups: {interactions: ignore}
  - id: a2
""",
    )
    config = load_config([str(tmp_path)])
    a1, a2 = config.accounts
    assert a1.live.permission is Permission.disabled  # from defaults
    assert a1.live.closure is Closure.hard  # the account wins
    assert a1.backups.interactions is Backup.ignore
    assert a1.backups.replays is Backup.present  # deep: siblings kept
    assert a2.live.closure is Closure.soft
    assert a2.certification is None  # unsaid stays unsaid


def test_defaults_apply_only_to_their_file(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "version: 1\ndefaults: {schedules: cleared}\naccounts: [{id: a1}]\n")
    write(tmp_path / "b.yaml", "version: 1\naccounts: [{id: b1}]\n")
    config = load_config([str(tmp_path)])
    assert config.account("a1").schedules is not None
    assert config.account("b1").schedules is None


def test_hidden_folders_and_other_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "accounts" / "a.yaml", "version: 1\naccounts: [{id: a1}]\n")
    write(tmp_path / ".github" / "workflows" / "ci.yaml", "on: push\n")
    write(tmp_path / "README.md", "# hi\n")
    config = load_config([str(tmp_path)])
    assert [a.id for a in config.accounts] == ["a1"]


def test_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "version: 1\naccounts: [{id: a1, live: {closure: hard}}]\n")
    write(
        tmp_path / "b.yaml",
        "version: 1\naccounts: [{id: b1, colour: red}, {id: b2, "
        "live: {permission: enabled, closure: hard, copyright_proof: x}}]\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config([str(tmp_path)])
    messages = [p.message for p in caught.value.problems]
    assert any("a1: closure: hard needs live.copyright_proof" in m for m in messages)
    assert any("unknown key 'colour'" in m for m in messages)
    assert any("b2: closure: hard takes replays down after closing live" in m for m in messages)


def test_duplicate_id_within_one_file(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "version: 1\naccounts:\n  - id: a1\n  - id: a1\n")
    with pytest.raises(ConfigError) as caught:
        load_config([str(tmp_path / "a.yaml")])
    (problem,) = caught.value.problems
    assert (problem.line, problem.col) == (4, 9)
    assert problem.message.endswith("also declared at " + str(tmp_path / "a.yaml") + ":3:5")


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="folder holds no"):
        load_config([str(tmp_path)])


def test_hard_closure_with_acknowledged_missing_backup_is_valid(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml",
        """\
version: 1
accounts:
  - id: a1
    live: {permission: disabled, closure: hard, copyright_proof: P}
    backups: {replays: ignore}
    acknowledge: {replays_without_backup: true}
""",
    )
    assert load_config([str(tmp_path)]).account("a1").live.closure is Closure.hard
