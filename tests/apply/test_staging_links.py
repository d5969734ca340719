"""A symbolic link planted in the staging folder or the backup store is never followed:
staging and backup files are opened with O_NOFOLLOW, and a symlinked staging folder (or
a folder under it) is refused, so a download cannot append to, or chmod, another file."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ksctl.backups.manifest import BackupKind, Manifest
from ksctl.backups.store import BackupStore, LocalSink
from ksctl.cli import cli
from tests.platform import hostile as h

CONFIG = """version: 1
accounts:
  - id: "3xk9d2a1"
    backups: {replays: present, destination: backups}
"""
STAGED = Path(".ksctl/staging/3xk9d2a1/replays")


def apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Result:
    monkeypatch.chdir(tmp_path)
    for name, value in h.env(url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CI", raising=False)
    (tmp_path / "accounts.yaml").write_text(CONFIG)
    return CliRunner().invoke(cli, ["apply", "accounts.yaml", "--auto-approve"])


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "victim.txt"
    path.parent.mkdir()
    path.write_bytes(b"precious\n")
    path.chmod(0o644)
    return path


def untouched(victim: Path) -> bool:
    return victim.read_bytes() == b"precious\n" and stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_a_planted_partial_link_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, victim: Path
) -> None:
    (tmp_path / STAGED).mkdir(parents=True)
    (tmp_path / STAGED / ".r1.mp4.part").symlink_to(victim)
    with h.hostile({h.CONTENT: h.content}) as server:
        got = apply(tmp_path, monkeypatch, server.url)
    assert untouched(victim)
    assert got.exit_code == 1, got.output
    assert "symbolic link" in got.stderr and ".r1.mp4.part" in got.stderr
    assert "Traceback" not in got.output


@pytest.mark.parametrize("level", [".ksctl/staging", ".ksctl/staging/3xk9d2a1"])
def test_a_symlinked_staging_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, victim: Path, level: str
) -> None:
    link = tmp_path / level
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim.parent, target_is_directory=True)
    with h.hostile({h.CONTENT: h.content}) as server:
        got = apply(tmp_path, monkeypatch, server.url)
    assert got.exit_code == 1, got.output
    assert f"{level} is a symbolic link" in got.stderr
    assert sorted(p.name for p in victim.parent.iterdir()) == ["victim.txt"]
    assert untouched(victim)


def test_a_link_in_the_backup_store_is_not_a_backup(tmp_path: Path) -> None:
    # A manifest and a data file that verify, but the data file is a link: not trusted.
    data = b"at,viewer,kind\n"
    store = BackupStore(LocalSink(tmp_path / "backups"))
    manifest = Manifest(
        kind=BackupKind.interactions,
        account_id="3xk9d2a1",
        file="interactions.csv",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=datetime(2026, 11, 25, tzinfo=UTC),
        source="job-1",
    )
    store.put(manifest, [data])
    assert store.verified(BackupKind.interactions, "3xk9d2a1")
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(data)
    stored = tmp_path / "backups" / "3xk9d2a1" / "interactions.csv"
    stored.unlink()
    stored.symlink_to(elsewhere)
    assert not store.verified(BackupKind.interactions, "3xk9d2a1")
