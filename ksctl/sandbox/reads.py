"""The reads of the platform API. Reads never refuse for lack of rights on an account (the
answer says `access.write=false` and why); downloads of viewers' data and videos do."""

from __future__ import annotations

import sqlite3

from ksctl.contract import codes
from ksctl.contract.wire import (
    AccountAnswer,
    AccountsPage,
    AppealAnswer,
    JobAnswer,
    JobStatus,
    QuotaAnswer,
    ReplaysPage,
    SchedulesPage,
    TicketAnswer,
    TicketStatus,
)
from ksctl.sandbox import content, oauth, paging, quota, views
from ksctl.sandbox.access import denial
from ksctl.sandbox.clock import from_epoch, to_epoch
from ksctl.sandbox.dispatch import Call, Outcome, json_outcome
from ksctl.sandbox.downloads import file_outcome
from ksctl.sandbox.refusal import Refusal


def list_accounts(call: Call, ids: str | None, cursor: str | None, count: int) -> AccountsPage:
    if ids is None:
        return _managed_accounts(call, cursor, count)
    wanted = list(dict.fromkeys(part.strip() for part in ids.split(",") if part.strip()))
    if len(wanted) > paging.MAX_COUNT:
        raise Refusal(codes.BAD_REQUEST, f"at most {paging.MAX_COUNT} ids per call")
    chunk, next_cursor = paging.page(wanted, cursor, count)
    states = views.account_states(call.conn, call.app, call.now, chunk)
    return AccountsPage(
        accounts=[states[i] for i in chunk if i in states],
        next_cursor=next_cursor,
        missing=[i for i in chunk if i not in states],
    )


def _managed_accounts(call: Call, cursor: str | None, count: int) -> AccountsPage:
    """Without ids: every account the app may write to, by id, keyset-paged."""
    after = paging.decode(cursor, "after", str) or ""
    orgs = {
        r["id"]: r["org"]
        for r in call.conn.execute("SELECT id, org FROM accounts WHERE parent IS NULL")
    }
    chosen: list[str] = []
    more = False
    rows = call.conn.execute(
        "SELECT id, kind, org, parent FROM accounts WHERE id > ? ORDER BY id", (after,)
    )
    for row in rows:
        if denial(
            call.app, row["id"], row["kind"], row["org"], row["parent"], orgs.get(row["parent"])
        ):
            continue
        if len(chosen) == count:
            more = True
            break
        chosen.append(row["id"])
    states = views.account_states(call.conn, call.app, call.now, chosen)
    next_cursor = paging.encode({"after": chosen[-1]}) if more else None
    return AccountsPage(accounts=[states[i] for i in chosen], next_cursor=next_cursor)


def get_account(call: Call, account_id: str) -> Outcome:
    state = views.account_state(call.conn, call.app, call.now, account_id)
    if state is None:
        raise Refusal(codes.NOT_FOUND, f"no account {account_id}")
    return json_outcome(AccountAnswer(account=state), headers={"ETag": f'"{state.version}"'})


def _account_row(call: Call, account_id: str) -> sqlite3.Row:
    row = call.conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no account {account_id}")
    return row


def list_schedules(call: Call, account_id: str, cursor: str | None, count: int) -> SchedulesPage:
    _account_row(call, account_id)
    rows = call.conn.execute(
        "SELECT * FROM schedules WHERE account_id = ? ORDER BY start_at, id", (account_id,)
    ).fetchall()
    chunk, next_cursor = paging.page(rows, cursor, count)
    return SchedulesPage(
        schedules=[views.schedule_model(r, call.now) for r in chunk], next_cursor=next_cursor
    )


def list_replays(call: Call, account_id: str, cursor: str | None, count: int) -> ReplaysPage:
    _account_row(call, account_id)
    rows = call.conn.execute(
        f"SELECT {views.REPLAY_COLUMNS} FROM replays r WHERE r.account_id = :account "
        "ORDER BY r.recorded_at, r.id",
        {"now": to_epoch(call.now), "account": account_id},
    ).fetchall()
    chunk, next_cursor = paging.page(rows, cursor, count)
    return ReplaysPage(replays=[views.replay_model(r) for r in chunk], next_cursor=next_cursor)


def _may_download(call: Call, account_id: str) -> sqlite3.Row:
    """Downloads carry viewers' data and videos: only an app with rights gets them."""
    row = _account_row(call, account_id)
    parent = call.conn.execute(
        "SELECT org FROM accounts WHERE id = ?", (row["parent"] or "",)
    ).fetchone()
    reason = denial(
        call.app,
        account_id,
        row["kind"],
        row["org"],
        row["parent"],
        parent["org"] if parent else None,
    )
    if reason:
        raise oauth.access_refusal(call.conn, call.app, row, reason)
    return row


def replay_content(
    call: Call, account_id: str, replay_id: str, range_header: str | None
) -> Outcome:
    _may_download(call, account_id)
    row = call.conn.execute(
        f"SELECT {views.REPLAY_COLUMNS} FROM replays r "
        "WHERE r.account_id = :account AND r.id = :replay",
        {"now": to_epoch(call.now), "account": account_id, "replay": replay_id},
    ).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no replay {replay_id} on account {account_id}")
    if not row["online"]:
        raise Refusal(codes.NOT_FOUND, f"replay {replay_id} was taken down")
    size = row["size_bytes"]

    def read(start: int, end: int) -> bytes:
        return content.replay_bytes(account_id, replay_id, size, start, end)

    return file_outcome(read, size, row["sha256"], "video/mp4", range_header)


def _job_row(call: Call, job_id: str) -> sqlite3.Row:
    row = call.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no job {job_id}")
    return row


def get_job(call: Call, job_id: str) -> JobAnswer:
    row = _job_row(call, job_id)
    account = _account_row(call, row["account_id"])
    exportable, _ = views.export_window(account, call.now)
    return JobAnswer(job=views.job_model(row, call.now, exportable))


def job_content(call: Call, job_id: str, range_header: str | None) -> Outcome:
    row = _job_row(call, job_id)
    account = _may_download(call, row["account_id"])
    exportable, _ = views.export_window(account, call.now)
    job = views.job_model(row, call.now, exportable)
    if job.status == JobStatus.pending:
        raise Refusal(codes.NOT_READY, f"job {job_id} is ready at {job.ready_at.isoformat()}")
    if job.status == JobStatus.expired:
        raise Refusal(
            codes.INTERACTIONS_EXPIRED,
            "interaction data is gone for good: the export window closed",
        )
    data = content.export_csv(
        row["account_id"], from_epoch(row["range_start"]), from_epoch(row["range_end"])
    )
    return file_outcome(
        lambda s, e: data[s:e], len(data), row["sha256"], "text/csv; charset=utf-8", range_header
    )


def _ticket_row(call: Call, ticket_id: str) -> sqlite3.Row:
    row = call.conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no ticket {ticket_id}")
    return row


def get_ticket(call: Call, ticket_id: str) -> TicketAnswer:
    return TicketAnswer(ticket=views.ticket_model(_ticket_row(call, ticket_id), call.now))


def ticket_content(call: Call, ticket_id: str, range_header: str | None) -> Outcome:
    row = _ticket_row(call, ticket_id)
    _may_download(call, row["account_id"])
    ticket = views.ticket_model(row, call.now)
    if ticket.status != TicketStatus.fulfilled:
        raise Refusal(
            codes.NOT_READY, f"ticket {ticket_id} is fulfilled at {ticket.fulfilled_at.isoformat()}"
        )
    data = content.ledger_csv(row["account_id"], from_epoch(row["created_at"]))
    return file_outcome(
        lambda s, e: data[s:e], len(data), row["sha256"], "text/csv; charset=utf-8", range_header
    )


def get_appeal(call: Call, appeal_id: str) -> AppealAnswer:
    row = call.conn.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no appeal {appeal_id}")
    ids = views.appeal_replay_ids(call.conn, [appeal_id]).get(appeal_id, [])
    return AppealAnswer(appeal=views.appeal_model(row, ids, call.now))


def get_quota(call: Call) -> QuotaAnswer:
    return QuotaAnswer(
        quota=quota.write_quota(
            call.conn, call.app.app_id, call.now, call.settings.write_quota_per_day
        )
    )
