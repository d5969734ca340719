"""One apply per working directory at a time; the refusal names the holder and since when.

The lock has an id (Terraform's manner): a lock whose holder cannot be proven dead (another
host, or a pid of this host that is alive, perhaps reused by another process) is never
taken over; the refusal says how to release it, `ksctl force-unlock LOCK_ID`, once a person
knows its run is gone. A lock left by a dead process on this host is taken over.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ksctl.errors import KsctlError

LOCK_NAME = "apply.lock"


class LockHeld(KsctlError):
    exit_code = 4


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(home: Path) -> Path:
    return home / LOCK_NAME


def read_holder(path: Path) -> dict[str, Any] | None:
    """What the lock file says of its holder; {} when it names none; None when absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        holder = json.loads(text)
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def describe_holder(holder: dict[str, Any]) -> str:
    return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')}"


def _held(path: Path, holder: dict[str, Any]) -> LockHeld:
    lock_id = holder.get("id")
    release = (
        f"if that run is gone (another machine, a reused pid): ksctl force-unlock {lock_id}"
        if isinstance(lock_id, str)
        else "if that run is gone: remove the file"
    )
    return LockHeld(
        f"another apply holds {path} (lock {lock_id}: {describe_holder(holder)}); "
        f"wait for it to finish, or {release}"
    )


@contextmanager
def apply_lock(home: Path) -> Iterator[str]:
    """Hold `<home>/apply.lock`; yields the lock's id. A lock left by a dead process on
    this host is taken over; any other is refused with how to release it."""
    home.mkdir(parents=True, exist_ok=True)
    path = lock_path(home)
    me = {
        "id": uuid.uuid4().hex[:12],
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            holder = read_holder(path) or {}
            pid, host = holder.get("pid"), holder.get("host")
            if isinstance(pid, int) and host == me["host"] and not _alive(pid):
                path.unlink(missing_ok=True)  # its holder died: take it over
                continue
            if not isinstance(pid, int):  # a holder that died while it wrote its name
                raise LockHeld(
                    f"{path} names no holder (an apply that died while taking "
                    "it?); remove it if no apply is running"
                ) from None
            raise _held(path, holder) from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(me, out)
        break
    try:
        yield str(me["id"])
    finally:
        # Only our own lock: after a force-unlock another run may hold the file now.
        if (read_holder(path) or {}).get("id") == me["id"]:
            path.unlink(missing_ok=True)


class UnlockRefused(KsctlError):
    exit_code = 1


def force_unlock(home: Path, lock_id: str) -> dict[str, Any]:
    """Remove the lock if it has this id; the holder it named. Refuses a wrong id."""
    path = lock_path(home)
    holder = read_holder(path)
    if holder is None:
        raise UnlockRefused(f"no apply lock is held in {path}")
    if holder.get("id") != lock_id:
        raise UnlockRefused(
            f"lock id {lock_id} does not match the lock in {path} "
            f"({describe_holder(holder)}): copy the id from apply's message"
        )
    path.unlink(missing_ok=True)
    return holder


def holder_alive_here(holder: dict[str, Any]) -> bool:
    pid = holder.get("pid")
    return holder.get("host") == socket.gethostname() and isinstance(pid, int) and _alive(pid)
