"""One apply per working directory at a time; the refusal names the holder and since when."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ksctl.errors import KsctlError


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


@contextmanager
def apply_lock(home: Path) -> Iterator[None]:
    """Hold `<home>/apply.lock`; a lock left by a dead process on this host is taken over."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "apply.lock"
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                holder = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                holder = {}
            pid, host = holder.get("pid"), holder.get("host")
            if isinstance(pid, int) and host == me["host"] and not _alive(pid):
                path.unlink(missing_ok=True)  # its holder died: take it over
                continue
            if not isinstance(pid, int):  # a holder that died while it wrote its name
                raise LockHeld(
                    f"{path} names no holder (an apply that died while taking "
                    "it?); remove it if no apply is running"
                ) from None
            raise LockHeld(
                f"another apply holds {path} (pid {pid} on {host} since "
                f"{holder.get('since')}); wait for it to finish"
            ) from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(me, out)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
