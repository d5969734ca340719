"""World seed <-> rows: writing a seeded world into SQLite, and reading an account back.

Reading an account back into its seed form is what lets tests (and `Store.patch_account`)
change any fact of an account with the same vocabulary as the world file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime

from ksctl.contract.wire import ScheduleStatus
from ksctl.sandbox import content
from ksctl.sandbox.clock import from_epoch, to_epoch
from ksctl.sandbox.db import WORLD_TABLES
from ksctl.sandbox.world import AccountSeed, App, World


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else to_epoch(moment)


def _time(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_epoch(seconds)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def write_world(conn: sqlite3.Connection, world: World) -> None:
    """Replace everything with `world`: accounts, apps, clock, and empty logs."""
    for table in WORLD_TABLES:
        conn.execute(f"DELETE FROM {table}")
    meta = {
        "world": world.model_dump_json(),
        "settings": world.platform.model_dump_json(),
        "now": str(to_epoch(world.platform.now)),
        "fault_seq": "0",
    }
    if world.apps:  # read on every command of the embedded sandbox: no world parse for it
        first = world.apps[0]
        meta["first_app"] = json.dumps({"app_id": first.app_id, "app_secret": first.app_secret})
    conn.execute("DELETE FROM meta WHERE key = 'first_app'")  # the last world's
    conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", meta.items())
    for app in world.apps:
        write_app(conn, app)
    for account in world.accounts:
        insert_account(conn, account, version=1)


def write_app(conn: sqlite3.Connection, app: App) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO apps(app_id, secret_sha256, admin_orgs, accounts) "
        "VALUES (?, ?, ?, ?)",
        (
            app.app_id,
            secret_digest(app.app_secret),
            json.dumps(app.admin_orgs),
            json.dumps(app.accounts),
        ),
    )


def _account_values(a: AccountSeed) -> dict[str, object]:
    return {
        "id": a.id,
        "name": a.name,
        "kind": a.kind.value,
        "org": a.org,
        "parent": a.parent,
        "phone": a.phone,
        "permission": a.live.permission.value,
        "closed_at": _epoch(a.live.closed_at),
        "streaming": int(a.live.streaming),
        "ban_until": _epoch(a.ban.until) if a.ban else None,
        "ban_reason": a.ban.reason if a.ban else None,
        "live_certified": int(a.certification.live_certified),
        "blue_v": int(a.certification.blue_v),
        "quality_streamer": int(a.quality_streamer),
        "contract_mcn": a.contract.mcn if a.contract else None,
        "contract_min_hours": a.contract.min_live_hours_per_month if a.contract else None,
        "contract_until": _epoch(a.contract.until) if a.contract else None,
        "interaction_days": a.interactions.days,
        "viewer_phones": a.interactions.viewer_phone_numbers,
        "short_video_tipping": a.monetization.short_video_tipping.value,
        "shopping_cart": a.monetization.shopping_cart.value,
    }


def insert_account(conn: sqlite3.Connection, a: AccountSeed, version: int) -> None:
    values = {**_account_values(a), "version": version}
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f"INSERT INTO accounts({columns}) VALUES ({marks})", list(values.values()))
    _write_children(conn, a, known_sha={})


def update_account(conn: sqlite3.Connection, a: AccountSeed, version: int) -> None:
    """Rewrite an existing account from its seed form, keeping its place in listings."""
    values = {**_account_values(a), "version": version}
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(
        f"UPDATE accounts SET {assignments} WHERE id = ?",
        [*values.values(), a.id],
    )
    known = {
        (row["id"], row["size_bytes"]): row["sha256"]
        for row in conn.execute(
            "SELECT id, size_bytes, sha256 FROM replays WHERE account_id = ?", (a.id,)
        )
    }
    conn.execute("DELETE FROM schedules WHERE account_id = ?", (a.id,))
    conn.execute("DELETE FROM replays WHERE account_id = ?", (a.id,))
    _write_children(conn, a, known_sha=known)


def _write_children(
    conn: sqlite3.Connection, a: AccountSeed, known_sha: dict[tuple[str, int], str]
) -> None:
    conn.executemany(
        "INSERT INTO schedules(account_id, id, title, start_at, status) VALUES (?, ?, ?, ?, ?)",
        [
            # `elapsed` is derived from the clock, never stored.
            (
                a.id,
                s.id,
                s.title,
                to_epoch(s.start_at),
                "cancelled" if s.status == ScheduleStatus.cancelled else "pending",
            )
            for s in a.schedules
        ],
    )
    conn.executemany(
        "INSERT INTO replays(account_id, id, title, recorded_at, size_bytes, sha256, online) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                a.id,
                r.id,
                r.title,
                to_epoch(r.recorded_at),
                r.size_bytes,
                known_sha.get((r.id, r.size_bytes))
                or content.replay_sha256(a.id, r.id, r.size_bytes),
                int(r.online),
            )
            for r in a.replays
        ],
    )


def read_account(conn: sqlite3.Connection, account_id: str) -> AccountSeed | None:
    """The account as a world file would state it now (stored facts, not derived ones)."""
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        return None
    schedules = conn.execute(
        "SELECT * FROM schedules WHERE account_id = ? ORDER BY start_at, id", (account_id,)
    ).fetchall()
    replays = conn.execute(
        "SELECT * FROM replays WHERE account_id = ? ORDER BY recorded_at, id", (account_id,)
    ).fetchall()
    data = {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "org": row["org"],
        "parent": row["parent"],
        "phone": row["phone"],
        "live": {
            "permission": row["permission"],
            "closed_at": _time(row["closed_at"]),
            "streaming": bool(row["streaming"]),
        },
        "ban": None
        if row["ban_until"] is None
        else {"until": _time(row["ban_until"]), "reason": row["ban_reason"] or ""},
        "certification": {
            "live_certified": bool(row["live_certified"]),
            "blue_v": bool(row["blue_v"]),
        },
        "quality_streamer": bool(row["quality_streamer"]),
        "contract": None
        if row["contract_mcn"] is None
        else {
            "mcn": row["contract_mcn"],
            "min_live_hours_per_month": row["contract_min_hours"],
            "until": _time(row["contract_until"]),
        },
        "schedules": [
            {
                "id": s["id"],
                "title": s["title"],
                "start_at": _time(s["start_at"]),
                "status": s["status"],
            }
            for s in schedules
        ],
        "replays": [
            {
                "id": r["id"],
                "title": r["title"],
                "recorded_at": _time(r["recorded_at"]),
                "size_bytes": r["size_bytes"],
                "online": bool(r["online"]),
            }
            for r in replays
        ],
        "interactions": {
            "days": row["interaction_days"],
            "viewer_phone_numbers": row["viewer_phones"],
        },
        "monetization": {
            "short_video_tipping": row["short_video_tipping"],
            "shopping_cart": row["shopping_cart"],
        },
    }
    return AccountSeed.model_validate(data)
