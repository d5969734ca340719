"""Temporary `.part` files that a killed run left in a backup destination.

A backup is written to a temporary name and renamed when complete (`LocalSink`,
`FsspecSink`); a run killed mid-write leaves the temporary file behind. The next apply
removes them for the accounts it works on, while it holds the apply lock: no other apply
of this working directory can be writing them then. (Two working directories sharing one
destination must not apply the same accounts at once; they would race on the platform
too.) The staging folder is not touched: its partial downloads are resumed.
"""

from __future__ import annotations

from pathlib import Path

from ksctl.backups.store import FsspecSink, LocalSink, Sink, _safe

SUFFIX = ".part"


def remove_partials(sink: Sink, account_id: str) -> int:
    """Remove the `.part` files under the account's folder of the destination; how many."""
    folder = _safe(account_id, "account id")
    if isinstance(sink, LocalSink):
        return _local(sink.root / folder)
    if isinstance(sink, FsspecSink):
        base = sink._path(folder)
        if not sink.fs.exists(base):
            return 0
        found = [p for p in sink.fs.find(base) if str(p).endswith(SUFFIX)]
        for path in found:
            sink.fs.rm(path)
        return len(found)
    return 0


def _local(folder: Path) -> int:
    if not folder.is_dir() or folder.is_symlink():
        return 0
    removed = 0
    for path in folder.rglob(f"*{SUFFIX}"):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
