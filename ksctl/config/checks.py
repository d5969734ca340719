"""Semantic checks that need no platform: contradictions and dangerous omissions."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ksctl.config.model import (
    DEFAULT_BACKUP_DESTINATION,
    Backup,
    Closure,
    DesiredAccount,
    Permission,
)
from ksctl.errors import Problem, Severity
from ksctl.home import STATE_DIR

if TYPE_CHECKING:
    from ksctl.config.load import Origin


def is_url(destination: str) -> bool:
    return "://" in destination


def check_account(account: DesiredAccount, origin: Origin) -> list[Problem]:
    """Problems with one merged account, located where the offending value was written."""
    out: list[Problem] = []
    live = account.live
    closure = live.closure if live else None
    permission = live.permission if live else None
    backups = account.backups
    ack = account.acknowledge

    if closure is Closure.hard and permission is Permission.enabled:
        out.append(
            origin.problem(
                ("live", "closure"),
                "closure: hard takes replays down after closing live, "
                "but live.permission is enabled: a contradiction",
            )
        )
    if closure is Closure.hard and not (live and live.copyright_proof):
        out.append(
            origin.problem(
                ("live", "closure"),
                "closure: hard needs live.copyright_proof: the takedown appeal "
                "(内容申诉) submits it",
            )
        )
    if closure is not Closure.hard and live and live.copyright_proof:
        out.append(
            origin.problem(
                ("live", "copyright_proof"),
                "copyright_proof is only used by closure: hard",
                severity=Severity.warning,
            )
        )
    replays_backed = backups is not None and backups.replays is Backup.present
    acknowledged = bool(ack and ack.replays_without_backup)
    if closure is Closure.hard and not replays_backed and not acknowledged:
        said = "ignore" if backups and backups.replays is Backup.ignore else "not stated"
        out.append(
            origin.problem(
                ("backups", "replays") if backups and backups.replays else ("live", "closure"),
                f"closure: hard takes every replay down, but backups.replays is {said}: "
                "no copy would be left; set backups.replays: present, or "
                "acknowledge.replays_without_backup: true",
            )
        )
    if acknowledged and closure is not Closure.hard:
        out.append(
            origin.problem(
                ("acknowledge", "replays_without_backup"),
                "acknowledge.replays_without_backup only matters with closure: hard",
                severity=Severity.warning,
            )
        )
    certified = account.certification.live_certified if account.certification else None
    if certified is True and permission is Permission.disabled:
        out.append(
            origin.problem(
                ("certification", "live_certified"),
                "live_certified: true with live disabled: closing live revokes the 直播认证 tag",
            )
        )
    destination = backups.destination if backups else None
    if destination and not is_url(destination):
        out.extend(_check_destination(destination, origin))
    return [replace(p, message=f"account {account.id}: {p.message}") for p in out]


def _check_destination(destination: str, origin: Origin) -> list[Problem]:
    # Normalized first: `.ksctl/../x` is `x` (inside), `../outside` is not inside at all.
    normal = posixpath.normpath(destination)
    path = PurePosixPath(normal)
    if (
        path.is_absolute()
        or path.parts[:1] in ((STATE_DIR,), ("..",))
        or normal == posixpath.normpath(DEFAULT_BACKUP_DESTINATION)
    ):
        return []
    shown = f"'{destination}'" + (f" (that is '{normal}')" if normal != destination else "")
    return [
        origin.problem(
            ("backups", "destination"),
            f"backups hold viewers' data; {shown} is inside the "
            "working directory: keep it out of the config repository "
            "(an absolute path, .ksctl/..., or an fsspec URL)",
            severity=Severity.warning,
        )
    ]
