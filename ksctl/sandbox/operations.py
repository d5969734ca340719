"""The writes of the platform API and the rules of docs/platform-api.md that guard them.

Each write first passes `guard` (exists, the app may write, If-Match, no ban), then its own
rules. A write whose effect already holds answers `changed: false`, costs no quota and is
not logged; a write that changes something is charged, logged and bumps the version.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ksctl.contract import codes
from ksctl.contract.wire import (
    Appeal,
    AppealRequest,
    DisableLiveRequest,
    Feature,
    Toggle,
    VerifyRequest,
    WriteAnswer,
)
from ksctl.sandbox import content, oauth, quota, views
from ksctl.sandbox.access import denial
from ksctl.sandbox.clock import from_epoch, to_epoch
from ksctl.sandbox.dispatch import Call
from ksctl.sandbox.masking import mask_phone
from ksctl.sandbox.refusal import Refusal

M = TypeVar("M", bound=BaseModel)
VERIFY_FIRST = "closing live needs a valid verification ticket (sms/send, sms/verify)"
SMS_CODE_TTL = 300
VERIFICATION_TTL = 600


# ---- shared steps ------------------------------------------------------------------------


def guard(call: Call, account_id: str) -> sqlite3.Row:
    """The checks every write passes, in order: exists, access, If-Match, ban."""
    row = call.conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no account {account_id}")
    parent_org = None
    if row["parent"]:
        parent = call.conn.execute(
            "SELECT org FROM accounts WHERE id = ?", (row["parent"],)
        ).fetchone()
        parent_org = parent["org"] if parent else None
    reason = denial(call.app, account_id, row["kind"], row["org"], row["parent"], parent_org)
    if reason is not None:
        raise oauth.access_refusal(call.conn, call.app, row, reason)
    expected = call.incoming.headers.get("if-match")
    if expected is not None and _etag_value(expected) not in ("*", str(row["version"])):
        raise Refusal(
            codes.PRECONDITION_FAILED, f"the account changed: its version is now {row['version']}"
        )
    if row["ban_until"] is not None and row["ban_until"] > to_epoch(call.now):
        until = from_epoch(row["ban_until"]).isoformat()
        raise Refusal(
            codes.LIVE_BANNED, f"the account is banned until {until}: no writes until then"
        )
    return row


def _etag_value(header: str) -> str:
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def commit(
    call: Call, account_id: str, operation: str, target: str | None = None, bump: bool = True
) -> None:
    """Charge the quota, log the write, bump the account version: the write happened."""
    quota.charge_write(call.conn, call.app.app_id, call.now, call.settings.write_quota_per_day)
    call.conn.execute(
        "INSERT INTO writes(at, app_id, account_id, operation, target, idempotency_key, "
        "request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            to_epoch(call.now),
            call.app.app_id,
            account_id,
            operation,
            target,
            call.idempotency_key,
            call.request_id,
        ),
    )
    if bump:
        call.conn.execute("UPDATE accounts SET version = version + 1 WHERE id = ?", (account_id,))


def answer(call: Call, account_id: str, changed: bool, **extra: Any) -> WriteAnswer:
    state = views.account_state(call.conn, call.app, call.now, account_id)
    assert state is not None  # guard() found it and nothing deletes accounts
    return WriteAnswer(changed=changed, account=state, **extra)


def body_of(call: Call) -> dict[str, Any]:
    raw = call.incoming.body.strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(codes.BAD_REQUEST, "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refusal(codes.BAD_REQUEST, "the body must be a JSON object")
    try:  # JSON may escape a lone surrogate, which is no text at all
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Refusal(codes.BAD_REQUEST, "the body holds text that is not valid Unicode") from None
    return data


def _valid(model: type[M], data: dict[str, Any]) -> M:
    """The body as the documented request model, or 410000 saying what is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Refusal(codes.BAD_REQUEST, f"invalid body: {where}: {first['msg']}") from None


def _next_id(conn: sqlite3.Connection, table: str, prefix: str) -> str:
    seq = conn.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}").fetchone()[0]
    return f"{prefix}-{seq:06d}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# ---- schedules, features, certification, privacy --------------------------------------------


def cancel_schedule(call: Call, account_id: str, schedule_id: str) -> WriteAnswer:
    guard(call, account_id)
    row = call.conn.execute(
        "SELECT * FROM schedules WHERE account_id = ? AND id = ?", (account_id, schedule_id)
    ).fetchone()
    if row is None:
        raise Refusal(codes.NOT_FOUND, f"no schedule {schedule_id} on account {account_id}")
    if row["status"] != "pending" or row["start_at"] <= to_epoch(call.now):
        return answer(call, account_id, changed=False)
    call.conn.execute(
        "UPDATE schedules SET status = 'cancelled' WHERE account_id = ? AND id = ?",
        (account_id, schedule_id),
    )
    commit(call, account_id, "cancel_schedule", schedule_id)
    return answer(call, account_id, changed=True)


def set_feature(call: Call, account_id: str, feature: str, toggle: Toggle) -> WriteAnswer:
    row = guard(call, account_id)
    try:
        column = Feature(feature).value
    except ValueError:
        raise Refusal(codes.NOT_FOUND, f"no feature {feature}") from None
    if row[column] == toggle.value:
        return answer(call, account_id, changed=False)
    call.conn.execute(f"UPDATE accounts SET {column} = ? WHERE id = ?", (toggle.value, account_id))
    operation = "enable_feature" if toggle == Toggle.enabled else "disable_feature"
    commit(call, account_id, operation, column)
    return answer(call, account_id, changed=True)


def remove_certification(call: Call, account_id: str) -> WriteAnswer:
    row = guard(call, account_id)
    if not row["live_certified"]:
        return answer(call, account_id, changed=False)
    call.conn.execute("UPDATE accounts SET live_certified = 0 WHERE id = ?", (account_id,))
    commit(call, account_id, "remove_certification")
    return answer(call, account_id, changed=True)


def purge_viewer_phones(call: Call, account_id: str) -> WriteAnswer:
    row = guard(call, account_id)
    stored = row["viewer_phones"]
    if stored == 0:
        return answer(call, account_id, changed=False, purged=0)
    call.conn.execute("UPDATE accounts SET viewer_phones = 0 WHERE id = ?", (account_id,))
    commit(call, account_id, "purge_viewer_phones")
    return answer(call, account_id, changed=True, purged=stored)


# ---- backups: export jobs and gift-ledger tickets -----------------------------------------------


def export_interactions(call: Call, account_id: str) -> WriteAnswer:
    row = guard(call, account_id)
    exportable, until = views.export_window(row, call.now)
    if not exportable:
        when = f" on {until.isoformat()}" if until else ""
        raise Refusal(
            codes.INTERACTIONS_EXPIRED,
            f"interaction data is gone for good: the export window closed{when}",
        )
    latest = call.conn.execute(
        "SELECT * FROM jobs WHERE account_id = ? ORDER BY seq DESC LIMIT 1", (account_id,)
    ).fetchone()
    if latest is not None and latest["ready_at"] > to_epoch(call.now):
        return answer(
            call, account_id, changed=False, job=views.job_model(latest, call.now, exportable)
        )
    range_end = (
        call.now if row["closed_at"] is None else min(call.now, from_epoch(row["closed_at"]))
    )
    range_start = range_end - timedelta(days=row["interaction_days"])
    data = content.export_csv(account_id, range_start, range_end)
    job_id = _next_id(call.conn, "jobs", "job")
    ready_at = call.now + timedelta(minutes=call.settings.export_delay_minutes)
    call.conn.execute(
        "INSERT INTO jobs(id, account_id, created_at, ready_at, range_start, range_end, "
        "size_bytes, sha256) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            account_id,
            to_epoch(call.now),
            to_epoch(ready_at),
            to_epoch(range_start),
            to_epoch(range_end),
            len(data),
            content.digest(data),
        ),
    )
    commit(call, account_id, "export_interactions", job_id)
    job = call.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return answer(call, account_id, changed=True, job=views.job_model(job, call.now, exportable))


def request_gift_ledger(call: Call, account_id: str) -> WriteAnswer:
    guard(call, account_id)
    latest = call.conn.execute(
        "SELECT * FROM tickets WHERE account_id = ? ORDER BY seq DESC LIMIT 1", (account_id,)
    ).fetchone()
    if latest is not None and latest["fulfilled_at"] > to_epoch(call.now):
        return answer(call, account_id, changed=False, ticket=views.ticket_model(latest, call.now))
    data = content.ledger_csv(account_id, call.now)
    ticket_id = _next_id(call.conn, "tickets", "tkt")
    fulfilled_at = call.now + timedelta(hours=call.settings.gift_ledger_delay_hours)
    call.conn.execute(
        "INSERT INTO tickets(id, account_id, created_at, fulfilled_at, size_bytes, sha256) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            ticket_id,
            account_id,
            to_epoch(call.now),
            to_epoch(fulfilled_at),
            len(data),
            content.digest(data),
        ),
    )
    commit(call, account_id, "request_gift_ledger", ticket_id)
    ticket = call.conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return answer(call, account_id, changed=True, ticket=views.ticket_model(ticket, call.now))


# ---- SMS verification and live permission ------------------------------------------------------


def sms_send(call: Call, account_id: str) -> WriteAnswer:
    row = guard(call, account_id)
    if not row["phone"]:
        raise Refusal(codes.BAD_REQUEST, "the account has no bound phone")
    epoch = to_epoch(call.now)
    # A new code supersedes the older ones, as on the real platform.
    call.conn.execute(
        "UPDATE sms_codes SET used = 1 WHERE account_id = ? AND used = 0", (account_id,)
    )
    call.conn.execute(
        "INSERT INTO sms_codes(account_id, app_id, phone, code, sent_at, expires_at) VALUES "
        "(?, ?, ?, ?, ?, ?)",
        (
            account_id,
            call.app.app_id,
            row["phone"],
            f"{secrets.randbelow(10**6):06d}",
            epoch,
            epoch + SMS_CODE_TTL,
        ),
    )
    # Sending a code changes no account state: it is charged and logged, the version stays.
    commit(call, account_id, "sms_send", bump=False)
    return answer(
        call, account_id, changed=True, sent_to=mask_phone(row["phone"]), expires_in=SMS_CODE_TTL
    )


def sms_verify(call: Call, account_id: str) -> WriteAnswer:
    # The request's shape first: a malformed request is refused whatever the account's state.
    request = _valid(VerifyRequest, body_of(call))
    guard(call, account_id)
    epoch = to_epoch(call.now)
    sent = call.conn.execute(
        "SELECT * FROM sms_codes WHERE account_id = ? AND app_id = ? AND used = 0 AND "
        "expires_at > ? "
        "ORDER BY seq DESC LIMIT 1",
        (account_id, call.app.app_id, epoch),
    ).fetchone()
    given = request.code.encode("utf-8")  # body_of() let no unencodable text through
    if sent is None or not hmac.compare_digest(sent["code"].encode("utf-8"), given):
        raise Refusal(codes.SMS_CODE_INVALID, "the SMS code is wrong, used or expired")
    call.conn.execute("UPDATE sms_codes SET used = 1 WHERE seq = ?", (sent["seq"],))
    ticket = "vt_" + secrets.token_urlsafe(24)
    call.conn.execute(
        "INSERT INTO verifications(ticket_sha256, account_id, app_id, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (_digest(ticket), account_id, call.app.app_id, epoch + VERIFICATION_TTL),
    )
    commit(call, account_id, "sms_verify", bump=False)
    return answer(
        call, account_id, changed=True, verification_ticket=ticket, expires_in=VERIFICATION_TTL
    )


def disable_live(call: Call, account_id: str) -> WriteAnswer:
    data = body_of(call)
    if not data.get("verification_ticket"):  # no closing live without verifying, whatever else
        raise Refusal(codes.VERIFICATION_REQUIRED, VERIFY_FIRST)
    request = _valid(DisableLiveRequest, data)
    ticket, acknowledged = request.verification_ticket, request.acknowledge_contract_breach
    row = guard(call, account_id)
    if row["permission"] == Toggle.disabled:
        return answer(call, account_id, changed=False)
    epoch = to_epoch(call.now)
    pending = call.conn.execute(
        "SELECT id FROM schedules WHERE account_id = ? AND status = 'pending' AND start_at > ? "
        "ORDER BY start_at",
        (account_id, epoch),
    ).fetchall()
    if pending:
        ids = ", ".join(r["id"] for r in pending)
        raise Refusal(
            codes.PENDING_SCHEDULE,
            f"scheduled lives pending ({ids}): cancel them before closing live",
        )
    if row["streaming"]:
        raise Refusal(codes.STREAMING_NOW, "the account is streaming right now")
    contract_active = row["contract_mcn"] is not None and row["contract_until"] > epoch
    if contract_active and row["contract_min_hours"] > 0 and not acknowledged:
        raise Refusal(
            codes.CONTRACT_BREACH,
            f"an MCN contract with {row['contract_min_hours']} minimum live hours a month runs "
            f"until {from_epoch(row['contract_until']).isoformat()}: closing live breaks it",
        )
    verification = call.conn.execute(
        "SELECT * FROM verifications WHERE ticket_sha256 = ? AND account_id = ? AND app_id = ? "
        "AND used = 0 AND expires_at > ?",
        (_digest(ticket), account_id, call.app.app_id, epoch),
    ).fetchone()
    if verification is None:
        raise Refusal(codes.VERIFICATION_REQUIRED, VERIFY_FIRST)
    call.conn.execute(
        "UPDATE verifications SET used = 1 WHERE ticket_sha256 = ?",
        (verification["ticket_sha256"],),
    )
    # Closing live revokes the live-certification tag (§3); blue V is unaffected.
    call.conn.execute(
        "UPDATE accounts SET permission = 'disabled', closed_at = ?, streaming = 0, "
        "live_certified = 0 WHERE id = ?",
        (epoch, account_id),
    )
    commit(call, account_id, "disable_live")
    return answer(call, account_id, changed=True)


def enable_live(call: Call, account_id: str) -> WriteAnswer:
    row = guard(call, account_id)
    if row["permission"] == Toggle.enabled:
        return answer(call, account_id, changed=False)
    call.conn.execute(
        "UPDATE accounts SET permission = 'enabled', closed_at = NULL WHERE id = ?", (account_id,)
    )
    commit(call, account_id, "enable_live")
    return answer(call, account_id, changed=True)


# ---- takedown appeals ----------------------------------------------------------------------


def takedown_appeal(call: Call, account_id: str) -> WriteAnswer:
    data = body_of(call)
    proof = data.get("copyright_proof")
    if not isinstance(proof, str) or not proof.strip():
        raise Refusal(
            codes.COPYRIGHT_PROOF_REQUIRED, "a takedown appeal needs a copyright_proof reference"
        )
    proof = _valid(AppealRequest, data).copyright_proof
    guard(call, account_id)
    epoch = to_epoch(call.now)
    latest = call.conn.execute(
        "SELECT * FROM appeals WHERE account_id = ? ORDER BY seq DESC LIMIT 1", (account_id,)
    ).fetchone()
    if latest is not None and latest["decided_at"] > epoch:
        return answer(call, account_id, changed=False, appeal=_appeal(call, latest))
    online = [
        r["id"]
        for r in call.conn.execute(
            f"SELECT {views.REPLAY_COLUMNS} FROM replays r "
            "WHERE r.account_id = :account ORDER BY r.id",
            {"now": epoch, "account": account_id},
        )
        if r["online"]
    ]
    if not online:
        return answer(
            call, account_id, changed=False, appeal=_appeal(call, latest) if latest else None
        )
    appeal_id = _next_id(call.conn, "appeals", "apl")
    decided_at = call.now + timedelta(hours=call.settings.takedown_review_hours)
    call.conn.execute(
        "INSERT INTO appeals(id, account_id, created_at, decided_at, copyright_proof) "
        "VALUES (?, ?, ?, ?, ?)",
        (appeal_id, account_id, epoch, to_epoch(decided_at), proof),
    )
    call.conn.executemany(
        "INSERT INTO appeal_replays(appeal_id, account_id, replay_id) VALUES (?, ?, ?)",
        [(appeal_id, account_id, replay_id) for replay_id in online],
    )
    commit(call, account_id, "takedown_appeal", appeal_id)
    created = call.conn.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)).fetchone()
    return answer(call, account_id, changed=True, appeal=_appeal(call, created))


def _appeal(call: Call, row: sqlite3.Row) -> Appeal:
    ids = views.appeal_replay_ids(call.conn, [row["id"]]).get(row["id"], [])
    return views.appeal_model(row, ids, call.now)
