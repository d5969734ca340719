"""The token store: every account's OAuth tokens, kept between runs.

    store = open_store(env, home)                       # .ksctl/tokens, or KSCTL_TOKEN_STORE
    grant = store.get(scope, "3xk9d2a1")                # a Grant, or None
    with store.locked(scope, "3xk9d2a1") as held:       # one process at a time per account
        current = held.get()                            # re-read under the lock
        held.put(new_grant)                             # saved before the lock is released
    store.delete(scope, "3xk9d2a1")

The interface other modules build on is `TokenStore.get/put/delete/grants/locked`, the
`Grant` value and `open_store`; nothing else here is meant to be imported.

- Where: a local file (default `.ksctl/tokens` under the working directory, mode 0600,
  written atomically) or any fsspec URL (`s3://bucket/ci/tokens`), so that a CI job's
  refreshed tokens survive the job. `KSCTL_TOKEN_STORE` names it.
- At rest: with `KSCTL_TOKEN_KEY` set (a Fernet key) the whole file is one Fernet token
  and holds nothing in clear; without it, JSON readable only by its owner.
- Scope: grants are filed under the target they were issued by (endpoint and app id), so a
  sandbox's tokens are never sent to another platform.
- Concurrency: refresh tokens rotate (the old one dies when a new one is issued), so two
  processes refreshing the same account at once would leave one of them with a dead
  token, and a stale write would lose the live one. `locked()` serialises per store (a
  `flock` on a local store, an exclusively created lock object on an fsspec one) and
  every write re-reads the file and replaces only its own account's entry.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ksctl.errors import KsctlError
from ksctl.platform.redact import Secret

ENV_STORE = "KSCTL_TOKEN_STORE"
ENV_KEY = "KSCTL_TOKEN_KEY"
DEFAULT_PATH = Path(".ksctl") / "tokens"
FORMAT = 1
# A lock object older than this is taken over: its holder died (a refresh takes seconds).
STALE_LOCK_SECONDS = 120.0
LOCK_WAIT_SECONDS = 60.0


class TokenStoreError(KsctlError):
    """The token store cannot be read or written; the message says what to do."""


@dataclass(frozen=True)
class Grant:
    """One account's tokens, as the platform issued them; times are the platform's.

    `lost` is set when the platform said the authorization is gone (cancelled by the
    account holder, expired, never given): the tokens are kept for the record but never
    sent again, and `ksctl auth status` shows the account as revoked or expired.
    """

    account_id: str
    open_id: str
    scopes: tuple[str, ...]
    access_token: Secret = field(repr=False)
    expires_at: datetime
    refresh_token: Secret = field(repr=False)
    refresh_expires_at: datetime
    obtained_at: datetime
    revision: int = 0
    lost: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "open_id": self.open_id,
            "scopes": list(self.scopes),
            "access_token": self.access_token.reveal(),
            "expires_at": self.expires_at.isoformat(),
            "refresh_token": self.refresh_token.reveal(),
            "refresh_expires_at": self.refresh_expires_at.isoformat(),
            "obtained_at": self.obtained_at.isoformat(),
            "revision": self.revision,
            "lost": self.lost,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Grant:
        return cls(
            account_id=str(raw["account_id"]),
            open_id=str(raw.get("open_id") or ""),
            scopes=tuple(str(s) for s in raw.get("scopes") or ()),
            access_token=Secret(str(raw["access_token"])),
            expires_at=datetime.fromisoformat(raw["expires_at"]),
            refresh_token=Secret(str(raw["refresh_token"])),
            refresh_expires_at=datetime.fromisoformat(raw["refresh_expires_at"]),
            obtained_at=datetime.fromisoformat(raw["obtained_at"]),
            revision=int(raw.get("revision") or 0),
            lost=raw.get("lost"),
        )

    def marked_lost(self, reason: str) -> Grant:
        return replace(self, lost=reason)


# ---- at rest ------------------------------------------------------------------------------


class _Codec:
    """Clear JSON, or one Fernet token over it when a key is given."""

    def __init__(self, key: str | None) -> None:
        self._fernet = None
        if key:
            from cryptography.fernet import Fernet

            try:
                raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
                if len(raw) != 32:
                    raise ValueError
                self._fernet = Fernet(key.strip().encode("ascii"))
            except (ValueError, binascii.Error, UnicodeEncodeError):
                raise TokenStoreError(
                    f"{ENV_KEY} is not a Fernet key (32 url-safe base64-encoded bytes); make "
                    "one with: python3 -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                ) from None

    @property
    def encrypted(self) -> bool:
        return self._fernet is not None

    def dump(self, document: dict[str, Any]) -> bytes:
        data = json.dumps(document, sort_keys=True, indent=1).encode("utf-8")
        return self._fernet.encrypt(data) if self._fernet else data

    def load(self, data: bytes, where: str) -> dict[str, Any]:
        if not data.strip():
            return _empty()
        clear = data.lstrip().startswith(b"{")
        if clear:
            # A store written before the key was set is read, and encrypted on next write.
            body = data
        elif self._fernet is None:
            raise TokenStoreError(
                f"{where} is encrypted: set {ENV_KEY} to the key it was made with"
            )
        else:
            from cryptography.fernet import InvalidToken

            try:
                body = self._fernet.decrypt(data)
            except InvalidToken:
                raise TokenStoreError(
                    f"{ENV_KEY} does not decrypt {where}: it was made with another key"
                ) from None
        try:
            document = json.loads(body)
        except ValueError:
            raise TokenStoreError(f"{where} is not a token store (not JSON)") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise TokenStoreError(f"{where} is not a token store of format {FORMAT}")
        return document


def _empty() -> dict[str, Any]:
    return {"format": FORMAT, "grants": {}}


# ---- where ----------------------------------------------------------------------------------


class _LocalFile:
    """A file on this machine: 0600, written to a temporary file then renamed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.where}: {exc.strerror}") from None

    def write(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)  # whatever the umask said
            os.replace(tmp, self.path)
        except OSError as exc:
            raise TokenStoreError(f"cannot write {self.where}: {exc.strerror}") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        import fcntl

        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise TokenStoreError(f"cannot lock {self.where}: {exc.strerror}") from None
        try:
            # The kernel releases a flock when its holder dies: never stale.
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class _Remote:
    """An fsspec URL: whole-object reads and writes, a lock object created exclusively."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:
            raise TokenStoreError(
                f"token store {url} needs fsspec: pip install 'ksctl[fsspec]'"
            ) from None
        try:
            self.fs, self.path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise TokenStoreError(f"token store {url}: {exc}") from None
        self.where = url
        self.lock_path = self.path + ".lock"

    def read(self) -> bytes:
        try:
            with self.fs.open(self.path, "rb") as f:
                return bytes(f.read())
        except FileNotFoundError:
            return b""
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.where}: {exc}") from None

    def write(self, data: bytes) -> None:
        try:
            parent = self.path.rsplit("/", 1)[0]
            if parent and parent != self.path:
                self.fs.makedirs(parent, exist_ok=True)
            with self.fs.open(self.path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise TokenStoreError(f"cannot write {self.where}: {exc}") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        holder = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "at": time.time()})
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                with self.fs.open(self.lock_path, "xb") as f:
                    f.write(holder.encode("utf-8"))
                break
            except FileExistsError:
                if self._stale():
                    with contextlib.suppress(FileNotFoundError):
                        self.fs.rm(self.lock_path)
                    continue
                if time.monotonic() > deadline:
                    raise TokenStoreError(
                        f"{self.where} stayed locked for {LOCK_WAIT_SECONDS:.0f} s by another "
                        f"refresh; if no ksctl runs, delete {self.where}.lock"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(self.lock_path)

    def _stale(self) -> bool:
        try:
            with self.fs.open(self.lock_path, "rb") as f:
                at = float(json.loads(f.read()).get("at", 0))
        except (FileNotFoundError, ValueError, AttributeError):
            return False
        return time.time() - at > STALE_LOCK_SECONDS


# ---- the store ---------------------------------------------------------------------------------


class TokenStore:
    """Grants by (scope, account id), at `location` (a path or an fsspec URL)."""

    def __init__(self, location: str | Path, *, key: str | None = None) -> None:
        self._codec = _Codec(key)
        text = str(location)
        self._file: _LocalFile | _Remote = (
            _Remote(text)
            if "://" in text and not text.startswith("file://")
            else _LocalFile(Path(text.removeprefix("file://")))
        )
        self._held = threading.local()  # put/delete inside locked() of the same thread

    @property
    def where(self) -> str:
        return self._file.where

    @property
    def encrypted(self) -> bool:
        return self._codec.encrypted

    def _document(self) -> dict[str, Any]:
        return self._codec.load(self._file.read(), self.where)

    def grants(self, scope: str) -> dict[str, Grant]:
        """Every grant of `scope`, by account id."""
        raw = self._document()["grants"].get(scope) or {}
        try:
            return {a: Grant.from_json(g) for a, g in sorted(raw.items())}
        except (KeyError, TypeError, ValueError):
            raise TokenStoreError(f"{self.where} holds a malformed grant") from None

    def get(self, scope: str, account_id: str) -> Grant | None:
        return self.grants(scope).get(account_id)

    def put(self, scope: str, grant: Grant) -> Grant:
        """Save `grant` (its revision bumped) and return what was saved."""
        with self._exclusive():
            document = self._document()
            entries = document["grants"].setdefault(scope, {})
            prior = entries.get(grant.account_id)
            revision = max(grant.revision, int((prior or {}).get("revision") or 0)) + 1
            saved = replace(grant, revision=revision)
            entries[grant.account_id] = saved.to_json()
            self._file.write(self._codec.dump(document))
            return saved

    def delete(self, scope: str, account_id: str) -> bool:
        """Forget an account's tokens; whether there were any."""
        with self._exclusive():
            document = self._document()
            entries = document["grants"].get(scope) or {}
            if account_id not in entries:
                return False
            del entries[account_id]
            if not entries:
                document["grants"].pop(scope, None)
            self._file.write(self._codec.dump(document))
            return True

    @contextlib.contextmanager
    def locked(self, scope: str, account_id: str) -> Iterator[HeldGrant]:
        """Hold the store while one account's grant is read, renewed and saved."""
        with self._exclusive():
            yield HeldGrant(self, scope, account_id)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        if getattr(self._held, "yes", False):  # put/delete inside locked(): already ours
            yield
            return
        with self._file.lock():
            self._held.yes = True
            try:
                yield
            finally:
                self._held.yes = False


@dataclass
class HeldGrant:
    """One account's entry while the store is locked."""

    store: TokenStore
    scope: str
    account_id: str

    def get(self) -> Grant | None:
        return self.store.get(self.scope, self.account_id)

    def put(self, grant: Grant) -> Grant:
        return self.store.put(self.scope, grant)


def store_location(env: Mapping[str, str], home: Path) -> str:
    """Where the store is: `KSCTL_TOKEN_STORE`, else `.ksctl/tokens` under `home`."""
    given = env.get(ENV_STORE, "").strip()
    return given or str(home / DEFAULT_PATH)


def open_store(env: Mapping[str, str], home: Path) -> TokenStore:
    """The store the environment names, with its key (`KSCTL_TOKEN_KEY`) if set."""
    return TokenStore(store_location(env, home), key=env.get(ENV_KEY) or None)
