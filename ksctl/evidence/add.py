"""`ksctl evidence add`: check an exported file, then store it as a verified backup.

The file goes to the account's backup destination under the same names an API download
uses, with a manifest (sha256, size, source "operator upload", by whom, time range): from
then on the backup is present and verified exactly like a download.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ksctl.backups.manifest import BackupKind, Manifest
from ksctl.backups.store import CHUNK, BackupStore, data_path, open_sink
from ksctl.errors import KsctlError
from ksctl.evidence.check import (
    Checked,
    EvidenceRefused,
    History,
    check_gift_ledger,
    check_interactions,
    check_replay,
    read_table,
)

SOURCE = "operator upload"


@dataclass(frozen=True)
class Kind:
    kind: BackupKind
    target: str | None = None

    def __str__(self) -> str:
        return f"replay:{self.target}" if self.target else self.kind.value


def parse_kind(text: str) -> Kind:
    """`interactions`, `gift_ledger` or `replay:ID`."""
    name, _, target = text.partition(":")
    if name == "replay" and target:
        return Kind(BackupKind.replay, target)
    if name in ("interactions", "gift_ledger") and not target:
        return Kind(BackupKind(name))
    raise KsctlError(f"unknown evidence {text!r}: interactions, gift_ledger or replay:ID")


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in _chunks(path):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def check(kind: Kind, path: Path, history: History) -> Checked:
    if not path.is_file():
        raise EvidenceRefused(f"{path}: no such file")
    if kind.kind is BackupKind.interactions:
        return check_interactions(read_table(path), history)
    if kind.kind is BackupKind.gift_ledger:
        return check_gift_ledger(read_table(path), history)
    return check_replay(path, kind.target or "", history)


def add_evidence(
    account_id: str,
    kind: Kind,
    path: Path,
    *,
    by: str,
    history: History,
    destination: str,
    workdir: Path,
) -> Manifest:
    """Check `path` against the account's `history`, then store it in `destination`."""
    found = check(kind, path, history)
    data_path(kind.kind, account_id, kind.target)  # refuses an unsafe id before any write
    size, sha256 = _digest(path)
    manifest = Manifest(
        kind=kind.kind,
        account_id=account_id,
        target=kind.target,
        file=data_path(kind.kind, account_id, kind.target).rsplit("/", 1)[-1],
        size_bytes=size,
        sha256=sha256,
        created_at=datetime.now(UTC),
        source=SOURCE,
        range_start=found.range_start,
        range_end=found.range_end,
        by=by,
    )
    store = BackupStore(open_sink(destination, workdir))
    store.put(manifest, _chunks(path))
    if not store.verified(kind.kind, account_id, kind.target):  # the file changed meanwhile
        raise KsctlError(f"{path} changed while it was stored: add it again")
    return manifest
