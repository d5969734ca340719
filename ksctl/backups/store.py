"""Reading and writing backups in a destination: a local folder or an fsspec URL.

Layout under the destination, one folder per account (account ids are letters and digits,
checked again here so that no id can climb out of the destination):

    <account>/interactions.csv            + interactions.manifest.json
    <account>/gift_ledger.csv             + gift_ledger.manifest.json
    <account>/replays/<replay>.mp4        + replays/<replay>.manifest.json

A backup is present when its manifest exists and the data file's size and sha256 match it.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from pydantic import ValidationError

from ksctl.backups.manifest import BackupKind, Manifest
from ksctl.errors import KsctlError
from ksctl.safefs import open_nofollow

# The fsspec driver each common protocol needs, and how to install it.
DRIVERS = {
    "s3": ("s3fs", "pip install 'ksctl[s3]'"),
    "s3a": ("s3fs", "pip install 'ksctl[s3]'"),
    "gs": ("gcsfs", "pip install 'ksctl[gcs]'"),
    "gcs": ("gcsfs", "pip install 'ksctl[gcs]'"),
    "az": ("adlfs", "pip install 'ksctl[azure]'"),
    "abfs": ("adlfs", "pip install 'ksctl[azure]'"),
    "abfss": ("adlfs", "pip install 'ksctl[azure]'"),
}
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
CHUNK = 1 << 20


class Sink(Protocol):
    """The few file operations a destination needs."""

    def exists(self, path: str) -> bool: ...
    def is_folder(self, path: str) -> bool: ...
    def open_read(self, path: str) -> IO[bytes]: ...
    def write_atomic(self, path: str, chunks: Iterable[bytes]) -> None: ...
    def size(self, path: str) -> int: ...


class LocalSink:
    """A local folder; files are written to a temporary name, fsynced, then renamed, 0600."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, path: str) -> Path:
        return self.root / path

    def _mode(self, path: str, *, follow: bool) -> int:
        try:
            return os.stat(self._path(path), follow_symlinks=follow).st_mode
        except OSError:
            return 0

    def exists(self, path: str) -> bool:
        # Not followed: a link is not a backup (one lstat, where is_file + is_symlink made two).
        return stat.S_ISREG(self._mode(path, follow=False))

    def is_folder(self, path: str) -> bool:
        # Followed, as the files' paths are: only "nothing can be under it" matters.
        return stat.S_ISDIR(self._mode(path, follow=True))

    def open_read(self, path: str) -> IO[bytes]:
        # O_NOFOLLOW: a link planted after `exists` fails here (ELOOP), never followed.
        return os.fdopen(os.open(self._path(path), os.O_RDONLY | os.O_NOFOLLOW), "rb")

    def size(self, path: str) -> int:
        return self._path(path).stat().st_size

    def write_atomic(self, path: str, chunks: Iterable[bytes]) -> None:
        final = self._path(path)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o600)
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class FsspecSink:
    """Any fsspec URL (s3://, gs://, memory://...); needs `pip install fsspec` and its plugin."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:
            raise KsctlError(
                f"backup destination {url} needs fsspec: pip install 'ksctl[fsspec]'"
            ) from None
        protocol = url.split("://", 1)[0].lower()
        try:
            self.fs, self.root = fsspec.core.url_to_fs(url)
        except ImportError:  # fsspec knows the protocol, its driver is not installed
            library, how = DRIVERS.get(
                protocol, (f"the fsspec driver for {protocol}://", "see fsspec's documentation")
            )
            raise KsctlError(f"backup destination {url} needs {library}: {how}") from None
        except ValueError as exc:  # a protocol fsspec does not know
            raise KsctlError(f"backup destination {url}: {exc}") from None

    def _path(self, path: str) -> str:
        return f"{self.root.rstrip('/')}/{path}"

    def exists(self, path: str) -> bool:
        return bool(self.fs.isfile(self._path(path)))

    def is_folder(self, path: str) -> bool:
        return bool(self.fs.isdir(self._path(path)))

    def open_read(self, path: str) -> IO[bytes]:
        return self.fs.open(self._path(path), "rb")

    def size(self, path: str) -> int:
        return int(self.fs.size(self._path(path)))

    def write_atomic(self, path: str, chunks: Iterable[bytes]) -> None:
        # Object stores make a whole-object put atomic; write a temporary key, then move it.
        tmp = self._path(path) + ".part"
        # Filesystems with real folders (file://, sftp://...) need the parent made first;
        # on object stores this only checks that the bucket exists.
        self.fs.makedirs(posixpath.dirname(tmp), exist_ok=True)
        with self.fs.open(tmp, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        self.fs.mv(tmp, self._path(path))


def _chunks(path: Path) -> Iterable[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def open_sink(destination: str, workdir: Path) -> Sink:
    if "://" in destination:
        return FsspecSink(destination)
    root = Path(destination)
    return LocalSink(root if root.is_absolute() else workdir / root)


@dataclass(frozen=True)
class BackupState:
    """What the store holds, verified, for one account."""

    interactions: bool
    gift_ledger: bool
    replays: frozenset[str]


def is_safe_name(name: str) -> bool:
    """Whether `name` can be a file name in the store (no `/`, no `..`, no hidden file)."""
    return bool(SAFE_NAME.fullmatch(name)) and name not in (".", "..")


def _safe(name: str, what: str) -> str:
    if not is_safe_name(name):
        raise KsctlError(f"refusing {what} {name!r}: not a safe file name")
    return name


def data_path(kind: BackupKind, account_id: str, target: str | None = None) -> str:
    account = _safe(account_id, "account id")
    if kind is BackupKind.replay:
        return f"{account}/replays/{_safe(target or '', 'replay id')}.mp4"
    return f"{account}/{kind.value}.csv"


def manifest_path(kind: BackupKind, account_id: str, target: str | None = None) -> str:
    return data_path(kind, account_id, target).rsplit(".", 1)[0] + ".manifest.json"


class BackupStore:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    def manifest(
        self, kind: BackupKind, account_id: str, target: str | None = None
    ) -> Manifest | None:
        path = manifest_path(kind, account_id, target)
        if not self.sink.exists(path):
            return None
        try:
            with self.sink.open_read(path) as handle:
                return Manifest.model_validate_json(handle.read())
        except (ValidationError, OSError, ValueError):
            return None

    def verified(self, kind: BackupKind, account_id: str, target: str | None = None) -> bool:
        """The manifest exists, and the data file has its size and sha256."""
        found = self.manifest(kind, account_id, target)
        if found is None:
            return False
        path = data_path(kind, account_id, target)
        try:
            if not self.sink.exists(path) or self.sink.size(path) != found.size_bytes:
                return False
            digest = hashlib.sha256()
            with self.sink.open_read(path) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
        except OSError:
            return False
        return digest.hexdigest() == found.sha256

    def state(self, account_id: str, replay_ids: Iterable[str]) -> BackupState:
        # An account with no folder holds nothing: one look instead of one per file
        # (most of a first plan's stats, or of its requests on S3).
        if not self.sink.is_folder(_safe(account_id, "account id")):
            return BackupState(interactions=False, gift_ledger=False, replays=frozenset())
        return BackupState(
            interactions=self.verified(BackupKind.interactions, account_id),
            gift_ledger=self.verified(BackupKind.gift_ledger, account_id),
            replays=frozenset(
                r for r in replay_ids if self.verified(BackupKind.replay, account_id, r)
            ),
        )

    def adopt(self, manifest: Manifest, staged: Path) -> None:
        """Move a verified local file into the store, then write its manifest."""
        path = data_path(manifest.kind, manifest.account_id, manifest.target)
        if isinstance(self.sink, LocalSink):
            final = self.sink.root / path
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = open_nofollow(staged, os.O_RDONLY)  # chmod the file itself, not a link
            try:
                os.fchmod(fd, 0o600)
            finally:
                os.close(fd)
            try:
                os.replace(staged, final)
            except OSError:  # another filesystem: copy atomically instead
                self.sink.write_atomic(path, _chunks(staged))
                staged.unlink()
        else:
            self.sink.write_atomic(path, _chunks(staged))
            staged.unlink()
        self.sink.write_atomic(
            manifest_path(manifest.kind, manifest.account_id, manifest.target),
            [manifest.model_dump_json(indent=2).encode()],
        )

    def put(self, manifest: Manifest, chunks: Iterable[bytes]) -> None:
        """Write the data file, then its manifest: a manifest never names a partial file."""
        self.sink.write_atomic(
            data_path(manifest.kind, manifest.account_id, manifest.target), chunks
        )
        self.sink.write_atomic(
            manifest_path(manifest.kind, manifest.account_id, manifest.target),
            [manifest.model_dump_json(indent=2).encode()],
        )
