"""World-wide values kept in the `meta` table: settings, the virtual clock, the fault counter."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from ksctl.sandbox.clock import from_epoch, to_epoch
from ksctl.sandbox.world import PlatformSettings, World


class NotSeeded(Exception):
    """The sandbox file holds no world yet."""


def _get(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise NotSeeded("the sandbox has no world: run `ksctl sandbox seed FILE`")
    return row["value"]


def _set(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def is_seeded(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = 'world'").fetchone() is not None


def world(conn: sqlite3.Connection) -> World:
    return World.model_validate_json(_get(conn, "world"))


def first_app(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """The id and secret of the world's first app, as which the embedded sandbox acts."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'first_app'").fetchone()
    if row is not None:
        app = json.loads(row["value"])
    else:  # seeded before the key existed: the seeded world has the apps
        apps = json.loads(_get(conn, "world")).get("apps") or []
        app = apps[0] if apps else None
    return (app["app_id"], app["app_secret"]) if app else None


def settings(conn: sqlite3.Connection) -> PlatformSettings:
    return PlatformSettings.model_validate_json(_get(conn, "settings"))


def set_settings(conn: sqlite3.Connection, value: PlatformSettings) -> None:
    _set(conn, "settings", value.model_dump_json())


def now(conn: sqlite3.Connection) -> datetime:
    return from_epoch(int(_get(conn, "now")))


def set_now(conn: sqlite3.Connection, moment: datetime) -> None:
    _set(conn, "now", str(to_epoch(moment)))


def next_fault_seq(conn: sqlite3.Connection) -> int:
    """A counter over every request ever answered: the index into the fault sequence."""
    seq = int(_get(conn, "fault_seq"))
    _set(conn, "fault_seq", str(seq + 1))
    return seq
