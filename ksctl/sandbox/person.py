"""The person in the app: steps done by hand on the sandbox, and the files the app gives.

On the real platform most of a closure happens in the 快手 app, not through an API. The
sandbox plays that side too, so that a rehearsal can run the human part end to end: `act`
changes the world as the step in the app would (with the app's own refusals: a pending
scheduled live makes closing live fail, §1), and `export` writes the file the 数据中心, 客服
or 直播回放 would give. Acts are logged in the write log with app_id `(in the app)`, so that a
test can tell what people did from what an API did; they cost no API quota.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable
from datetime import datetime, timedelta

from ksctl.engine.specs import ActionType
from ksctl.sandbox import content, views
from ksctl.sandbox.clock import from_epoch, to_epoch
from ksctl.sandbox.meta import now as world_now
from ksctl.sandbox.meta import settings as world_settings
from ksctl.sandbox.store import Store

IN_THE_APP = "(in the app)"
T = ActionType
FEATURES = ("short_video_tipping", "shopping_cart")


class AppRefused(ValueError):
    """What the app would say instead of doing the step."""


def _account(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise AppRefused(f"no account {account_id} in the sandbox world")
    return row


def _log(
    conn: sqlite3.Connection,
    account_id: str,
    operation: str,
    now: datetime,
    target: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO writes(at, app_id, account_id, operation, target, idempotency_key, "
        "request_id) VALUES (?, ?, ?, ?, ?, NULL, ?)",
        (to_epoch(now), IN_THE_APP, account_id, operation, target, "person"),
    )
    conn.execute("UPDATE accounts SET version = version + 1 WHERE id = ?", (account_id,))


def _not_banned(row: sqlite3.Row, now: datetime) -> None:
    if row["ban_until"] is not None and row["ban_until"] > to_epoch(now):
        raise AppRefused(f"the account is banned until {from_epoch(row['ban_until']).isoformat()}")


def parse(step: str) -> tuple[ActionType, str | None]:
    name, _, rest = step.strip().partition("[")
    try:
        type_ = ActionType(name)
    except ValueError:
        raise AppRefused(f"unknown step {step!r}") from None
    return type_, (rest[:-1] if rest.endswith("]") else rest) or None


Act = Callable[[sqlite3.Connection, sqlite3.Row, str | None, datetime, dict[str, object]], str]


def _cancel(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    _: dict[str, object],
) -> str:
    query = "SELECT id FROM schedules WHERE account_id = ? AND status = 'pending' AND start_at > ?"
    params: list[object] = [row["id"], to_epoch(now)]
    if target and target != "all":
        query += " AND id = ?"
        params.append(target)
    ids = [r["id"] for r in conn.execute(query, params)]
    for schedule in ids:
        conn.execute(
            "UPDATE schedules SET status = 'cancelled' WHERE account_id = ? AND id = ?",
            (row["id"], schedule),
        )
        _log(conn, row["id"], "cancel_schedule", now, schedule)
    return f"cancelled {len(ids)} scheduled live(s)" if ids else "no scheduled live was pending"


def _purge(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    _: dict[str, object],
) -> str:
    if row["viewer_phones"] == 0:
        return "no viewer phone number was stored"
    conn.execute("UPDATE accounts SET viewer_phones = 0 WHERE id = ?", (row["id"],))
    _log(conn, row["id"], "purge_viewer_phones", now)
    return f"deleted {row['viewer_phones']} viewer phone number(s)"


def _uncertify(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    _: dict[str, object],
) -> str:
    if not row["live_certified"]:
        return "the 直播认证 tag was already gone"
    conn.execute("UPDATE accounts SET live_certified = 0 WHERE id = ?", (row["id"],))
    _log(conn, row["id"], "remove_certification", now)
    return "removed the 直播认证 tag"


def _close(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    opts: dict[str, object],
) -> str:
    if row["permission"] == "disabled":
        return "live was already closed"
    epoch = to_epoch(now)
    pending = conn.execute(
        "SELECT id FROM schedules WHERE account_id = ? AND status = 'pending' AND start_at > ?",
        (row["id"], epoch),
    ).fetchall()
    if pending:
        raise AppRefused(
            "关闭失败: scheduled lives are pending ("
            + ", ".join(r["id"] for r in pending)
            + "): cancel them first"
        )
    if row["streaming"]:
        raise AppRefused("the account is streaming right now")
    if (
        row["contract_mcn"] is not None
        and row["contract_until"] > epoch
        and row["contract_min_hours"] > 0
        and not opts.get("acknowledge_contract_breach")
    ):
        raise AppRefused(
            "an MCN contract with minimum live hours is active: the app asks to accept the breach"
        )
    conn.execute(
        "UPDATE accounts SET permission = 'disabled', closed_at = ?, streaming = 0, "
        "live_certified = 0 WHERE id = ?",
        (epoch, row["id"]),
    )
    _log(conn, row["id"], "disable_live", now)
    return "closed live (the SMS code went to the bound phone; the 直播认证 tag is revoked)"


def _open(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    _: dict[str, object],
) -> str:
    if row["permission"] == "enabled":
        return "live was already open"
    conn.execute(
        "UPDATE accounts SET permission = 'enabled', closed_at = NULL WHERE id = ?", (row["id"],)
    )
    _log(conn, row["id"], "enable_live", now)
    return "opened live"


def _feature(value: str) -> Act:
    def act(
        conn: sqlite3.Connection,
        row: sqlite3.Row,
        target: str | None,
        now: datetime,
        _: dict[str, object],
    ) -> str:
        if target not in FEATURES:
            raise AppRefused(f"which feature? [{'|'.join(FEATURES)}]")
        if row[target] == value:
            return f"{target} was already {value}"
        conn.execute(f"UPDATE accounts SET {target} = ? WHERE id = ?", (value, row["id"]))
        _log(
            conn, row["id"], f"{'enable' if value == 'enabled' else 'disable'}_feature", now, target
        )
        return f"{target} {value}"

    return act


def _ledger(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    _: dict[str, object],
) -> str:
    latest = conn.execute(
        "SELECT * FROM tickets WHERE account_id = ? ORDER BY seq DESC LIMIT 1", (row["id"],)
    ).fetchone()
    if latest is not None and latest["fulfilled_at"] > to_epoch(now):
        ready = from_epoch(latest["fulfilled_at"]).isoformat()
        return f"客服 already has the request; ready by {ready}"
    data = content.ledger_csv(row["id"], now)
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets").fetchone()[0]
    ticket = f"tkt-{seq:06d}"
    delay = timedelta(hours=world_settings(conn).gift_ledger_delay_hours)
    conn.execute(
        "INSERT INTO tickets(id, account_id, created_at, fulfilled_at, size_bytes, sha256) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (ticket, row["id"], to_epoch(now), to_epoch(now + delay), len(data), content.digest(data)),
    )
    _log(conn, row["id"], "request_gift_ledger", now, ticket)
    return f"asked 客服 for the gift ledger; ready by {(now + delay).isoformat()}"


def _takedown(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str | None,
    now: datetime,
    opts: dict[str, object],
) -> str:
    proof = str(opts.get("copyright_proof") or "").strip()
    if not proof:
        raise AppRefused("内容申诉 needs the reference of a copyright proof (--proof)")
    epoch = to_epoch(now)
    online = [
        r["id"]
        for r in conn.execute(
            f"SELECT {views.REPLAY_COLUMNS} FROM replays r "
            "WHERE r.account_id = :account ORDER BY r.id",
            {"now": epoch, "account": row["id"]},
        )
        if r["online"]
    ]
    if not online:
        return "no replay is online"
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM appeals").fetchone()[0]
    appeal = f"apl-{seq:06d}"
    decided = now + timedelta(hours=world_settings(conn).takedown_review_hours)
    conn.execute(
        "INSERT INTO appeals(id, account_id, created_at, decided_at, copyright_proof) "
        "VALUES (?, ?, ?, ?, ?)",
        (appeal, row["id"], epoch, to_epoch(decided), proof),
    )
    conn.executemany(
        "INSERT INTO appeal_replays(appeal_id, account_id, replay_id) VALUES (?, ?, ?)",
        [(appeal, row["id"], r) for r in online],
    )
    _log(conn, row["id"], "takedown_appeal", now, appeal)
    return f"appealed to take {len(online)} replay(s) down; reviewed by {decided.isoformat()}"


ACTS: dict[ActionType, Act] = {
    T.cancel_schedule: _cancel,
    T.purge_viewer_pii: _purge,
    T.remove_certification: _uncertify,
    T.disable_live: _close,
    T.enable_live: _open,
    T.enable_feature: _feature("enabled"),
    T.disable_feature: _feature("disabled"),
    T.request_gift_ledger: _ledger,
    T.takedown_replays: _takedown,
}


def act(store: Store, account_id: str, step: str, **options: object) -> str:
    """Do `step` on the account as the person in the app would; what the app then shows."""
    type_, target = parse(step)
    handler = ACTS.get(type_)
    if handler is None:
        raise AppRefused(
            f"{type_.value} is not a step in the app: export the file with `ksctl sandbox export`"
        )
    with store.transaction() as conn:
        now = world_now(conn)
        row = _account(conn, account_id)
        _not_banned(row, now)
        return handler(conn, row, target, now, options)


# ---- exports ---------------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def replay_video(account_id: str, replay_id: str, size: int) -> bytes:
    """The replay as the app downloads it: an MP4 container (ftyp, mdat) of `size` bytes."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isommp42")
    body = size - len(ftyp) - 8
    if body < 0:
        raise AppRefused(f"replay {replay_id} is too small to download")
    return (
        ftyp
        + struct.pack(">I", 8 + body)
        + b"mdat"
        + content.replay_bytes(account_id, replay_id, body)
    )


def export(store: Store, account_id: str, kind: str) -> bytes:
    """The file the app gives: interactions (数据中心), gift_ledger (客服), replay:ID (回放)."""
    with store.transaction() as conn:
        now = world_now(conn)
        row = _account(conn, account_id)
        if kind == "interactions":
            exportable, until = views.export_window(row, now)
            if not exportable:
                when = f" on {until.isoformat()}" if until else ""
                raise AppRefused(
                    f"数据中心 no longer offers the interactions: the window closed{when}"
                )
            end = now if row["closed_at"] is None else min(now, from_epoch(row["closed_at"]))
            return content.export_csv(
                account_id, end - timedelta(days=row["interaction_days"]), end
            )
        if kind == "gift_ledger":
            ticket = conn.execute(
                "SELECT * FROM tickets WHERE account_id = ? ORDER BY seq DESC LIMIT 1",
                (account_id,),
            ).fetchone()
            if ticket is None:
                raise AppRefused(
                    "客服 has no request for the gift ledger: ask first (request_gift_ledger)"
                )
            if ticket["fulfilled_at"] > to_epoch(now):
                ready = from_epoch(ticket["fulfilled_at"]).isoformat()
                raise AppRefused(
                    f"客服 has not delivered the gift ledger yet (expected by {ready})"
                )
            return content.ledger_csv(account_id, from_epoch(ticket["created_at"]))
        name, _, replay_id = kind.partition(":")
        if name != "replay" or not replay_id:
            raise AppRefused(f"unknown export {kind!r}: interactions, gift_ledger or replay:ID")
        replay = conn.execute(
            f"SELECT {views.REPLAY_COLUMNS} FROM replays r "
            "WHERE r.account_id = :account AND r.id = :id",
            {"now": to_epoch(now), "account": account_id, "id": replay_id},
        ).fetchone()
        if replay is None:
            raise AppRefused(f"no replay {replay_id} on account {account_id}")
        if not replay["online"]:
            raise AppRefused(
                f"replay {replay_id} was taken down: the app can no longer download it"
            )
        return replay_video(account_id, replay_id, replay["size_bytes"])
