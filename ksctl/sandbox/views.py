"""Rows -> wire models, with everything that derives from the clock computed on read.

Jobs become ready, tickets fulfilled and appeals approved when the virtual clock passes
their time, with no background process: a read at time t shows the world at time t.
A batch of accounts is a fixed handful of queries, whatever the batch size.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta

from ksctl.contract import codes
from ksctl.contract.wire import (
    Access,
    AccountState,
    Appeal,
    AppealStatus,
    Ban,
    Certification,
    Contract,
    Interactions,
    Job,
    JobStatus,
    Live,
    Monetization,
    OpenWork,
    Replay,
    Schedule,
    ScheduleStatus,
    Ticket,
    TicketStatus,
)
from ksctl.sandbox.access import AppGrant, denial, denial_code
from ksctl.sandbox.clock import from_epoch, to_epoch
from ksctl.sandbox.masking import mask_phone

INLINE = 50
EXPORT_WINDOW = timedelta(days=30)

# A replay is offline once an approved appeal covers it, approval being a matter of time.
REPLAY_COLUMNS = """
  r.account_id, r.id, r.title, r.recorded_at, r.size_bytes, r.sha256,
  r.online AND NOT EXISTS (
    SELECT 1 FROM appeal_replays ar JOIN appeals ap ON ap.id = ar.appeal_id
    WHERE ar.account_id = r.account_id AND ar.replay_id = r.id AND ap.decided_at <= :now
  ) AS online
"""


def _time(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_epoch(seconds)


def _marks(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


def export_window(row: sqlite3.Row, now: datetime) -> tuple[bool, datetime | None]:
    """(exportable, exportable_until): open while live is enabled, then 30 more days."""
    if row["permission"] == "enabled":
        return True, None
    if row["closed_at"] is None:  # closed before records began: the data is long gone
        return False, None
    until = from_epoch(row["closed_at"]) + EXPORT_WINDOW
    return now <= until, until


def schedule_model(row: sqlite3.Row, now: datetime) -> Schedule:
    status = ScheduleStatus(row["status"])
    if status == ScheduleStatus.pending and row["start_at"] <= to_epoch(now):
        status = ScheduleStatus.elapsed
    return Schedule(
        id=row["id"], title=row["title"], start_at=from_epoch(row["start_at"]), status=status
    )


def replay_model(row: sqlite3.Row) -> Replay:
    return Replay(
        id=row["id"],
        title=row["title"],
        recorded_at=from_epoch(row["recorded_at"]),
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        online=bool(row["online"]),
    )


def job_model(row: sqlite3.Row, now: datetime, exportable: bool) -> Job:
    if to_epoch(now) < row["ready_at"]:
        status = JobStatus.pending
    else:
        status = JobStatus.ready if exportable else JobStatus.expired
    done = status == JobStatus.ready
    return Job(
        id=row["id"],
        account_id=row["account_id"],
        status=status,
        created_at=from_epoch(row["created_at"]),
        ready_at=from_epoch(row["ready_at"]),
        size_bytes=row["size_bytes"] if done else None,
        sha256=row["sha256"] if done else None,
        range_start=from_epoch(row["range_start"]),
        range_end=from_epoch(row["range_end"]),
    )


def ticket_model(row: sqlite3.Row, now: datetime) -> Ticket:
    done = to_epoch(now) >= row["fulfilled_at"]
    return Ticket(
        id=row["id"],
        account_id=row["account_id"],
        status=TicketStatus.fulfilled if done else TicketStatus.open,
        created_at=from_epoch(row["created_at"]),
        fulfilled_at=from_epoch(row["fulfilled_at"]),
        size_bytes=row["size_bytes"] if done else None,
        sha256=row["sha256"] if done else None,
    )


def appeal_model(row: sqlite3.Row, replay_ids: list[str], now: datetime) -> Appeal:
    done = to_epoch(now) >= row["decided_at"]
    return Appeal(
        id=row["id"],
        account_id=row["account_id"],
        status=AppealStatus.approved if done else AppealStatus.reviewing,
        created_at=from_epoch(row["created_at"]),
        decided_at=from_epoch(row["decided_at"]),
        replay_ids=replay_ids,
    )


def appeal_replay_ids(conn: sqlite3.Connection, appeal_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    rows = conn.execute(
        "SELECT appeal_id, replay_id FROM appeal_replays WHERE appeal_id IN "
        f"({_marks(appeal_ids)}) "
        "ORDER BY appeal_id, replay_id",
        appeal_ids,
    )
    for row in rows:
        found[row["appeal_id"]].append(row["replay_id"])
    return found


def _latest(conn: sqlite3.Connection, table: str, ids: list[str]) -> dict[str, sqlite3.Row]:
    rows = conn.execute(
        f"SELECT t.* FROM {table} t JOIN (SELECT MAX(seq) AS seq FROM {table} "
        f"WHERE account_id IN ({_marks(ids)}) GROUP BY account_id) m ON t.seq = m.seq",
        ids,
    )
    return {row["account_id"]: row for row in rows}


def _inline(rows: list[sqlite3.Row]) -> dict[str, list[sqlite3.Row]]:
    grouped: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in rows:
        grouped[row["account_id"]].append(row)
    return grouped


def _access(reason: str | None, row: sqlite3.Row, app: AppGrant, cancelled: bool) -> Access:
    if reason is None:
        return Access(write=True)
    code = denial_code(row["kind"], row["org"], app, cancelled)
    if code == codes.ACCESS_DENIED:
        return Access(write=False, reason=reason)
    if code == codes.AUTHORIZATION_CANCELLED:
        reason = "the account holder cancelled the app's authorization"
    elif row["parent"] is None:
        reason = "the app holds no grant for this account: its holder never authorized the app"
    return Access(write=False, reason=reason, authorization=code)


def account_states(
    conn: sqlite3.Connection, app: AppGrant, now: datetime, ids: list[str]
) -> dict[str, AccountState]:
    """The state of every existing account among `ids`, keyed by id."""
    if not ids:
        return {}
    epoch = to_epoch(now)
    accounts = conn.execute(f"SELECT * FROM accounts WHERE id IN ({_marks(ids)})", ids).fetchall()
    if not accounts:
        return {}
    found = [row["id"] for row in accounts]
    parents = sorted({row["parent"] for row in accounts if row["parent"]})
    parent_orgs = {
        row["id"]: row["org"]
        for row in conn.execute(
            f"SELECT id, org FROM accounts WHERE id IN ({_marks(parents)})", parents
        )
    }
    schedules = _inline(
        conn.execute(
            "SELECT * FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY "
            "start_at, id) AS rn "
            f"FROM schedules s WHERE account_id IN ({_marks(found)}) AND status = 'pending' "
            "AND start_at > ?) "
            f"WHERE rn <= {INLINE + 1} ORDER BY account_id, rn",
            [*found, epoch],
        ).fetchall()
    )
    replays = _inline(
        conn.execute(
            f"SELECT * FROM (SELECT {REPLAY_COLUMNS}, ROW_NUMBER() OVER ("
            "PARTITION BY r.account_id ORDER BY r.recorded_at, r.id) AS rn "
            f"FROM replays r WHERE r.account_id IN (SELECT value FROM json_each(:ids))) "
            f"WHERE rn <= {INLINE + 1} ORDER BY account_id, rn",
            {"now": epoch, "ids": json.dumps(found)},
        ).fetchall()
    )
    cancelled = {
        row["account_id"]
        for row in conn.execute(
            "SELECT account_id FROM oauth_grants WHERE app_id = ? AND status = 'cancelled' "
            "AND account_id IN (SELECT value FROM json_each(?))",
            (app.app_id, json.dumps(found)),
        )
    }
    jobs = _latest(conn, "jobs", found)
    tickets = _latest(conn, "tickets", found)
    appeals = _latest(conn, "appeals", found)
    appeal_replays = appeal_replay_ids(conn, [row["id"] for row in appeals.values()])

    states = {}
    for row in accounts:
        account_id = row["id"]
        exportable, until = export_window(row, now)
        reason = denial(
            app, account_id, row["kind"], row["org"], row["parent"], parent_orgs.get(row["parent"])
        )
        job, ticket, appeal = jobs.get(account_id), tickets.get(account_id), appeals.get(account_id)
        own_schedules = schedules.get(account_id, [])
        own_replays = replays.get(account_id, [])
        states[account_id] = AccountState(
            id=account_id,
            name=row["name"],
            kind=row["kind"],
            org=row["org"],
            parent=row["parent"],
            version=str(row["version"]),
            phone_masked=mask_phone(row["phone"]),
            live=Live(
                permission=row["permission"],
                closed_at=_time(row["closed_at"]),
                streaming=bool(row["streaming"]),
            ),
            # Facts that ended are history: only a ban or contract still running is shown.
            ban=Ban(until=from_epoch(row["ban_until"]), reason=row["ban_reason"] or "")
            if row["ban_until"] is not None and row["ban_until"] > epoch
            else None,
            certification=Certification(
                live_certified=bool(row["live_certified"]), blue_v=bool(row["blue_v"])
            ),
            quality_streamer=bool(row["quality_streamer"]),
            contract=Contract(
                mcn=row["contract_mcn"],
                min_live_hours_per_month=row["contract_min_hours"],
                until=from_epoch(row["contract_until"]),
            )
            if row["contract_mcn"] is not None and row["contract_until"] > epoch
            else None,
            schedules=[schedule_model(s, now) for s in own_schedules[:INLINE]],
            schedules_truncated=len(own_schedules) > INLINE,
            replays=[replay_model(r) for r in own_replays[:INLINE]],
            replays_truncated=len(own_replays) > INLINE,
            interactions=Interactions(
                days=row["interaction_days"],
                viewer_phone_numbers=row["viewer_phones"],
                exportable=exportable,
                exportable_until=until,
            ),
            monetization=Monetization(
                short_video_tipping=row["short_video_tipping"], shopping_cart=row["shopping_cart"]
            ),
            open_work=OpenWork(
                export_job=job_model(job, now, exportable) if job else None,
                gift_ledger_ticket=ticket_model(ticket, now) if ticket else None,
                takedown_appeal=appeal_model(appeal, appeal_replays.get(appeal["id"], []), now)
                if appeal
                else None,
            ),
            access=_access(reason, row, app, account_id in cancelled),
        )
    return states


def account_state(
    conn: sqlite3.Connection, app: AppGrant, now: datetime, account_id: str
) -> AccountState | None:
    return account_states(conn, app, now, [account_id]).get(account_id)
