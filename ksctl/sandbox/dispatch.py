"""One request, start to end, in one transaction: faults, auth, limits, idempotency, handler.

Order matters and is the contract:
1. fault injection (an injected 503000 happens before anything else: nothing changed);
2. token check (`app_id` + `access_token` in the query);
3. read rate (reads) / Idempotency-Key: a repeated key answers the first answer, a reused
   key with another request answers 410009 (writes);
4. the handler, inside a savepoint: a refusal rolls back whatever it had started, so a
   refused write provably changed nothing;
5. the request log; commit; then, for a write, maybe "lose" the answer (503000 after commit).

A refusal is HTTP 200 with the code in the body, as the real platform answers (a world
with `refusal_status: modelled` sends the code's own status instead); `Outcome.result`
carries the code, so nothing here reads a status to know whether a request was refused.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from ksctl.contract import codes
from ksctl.contract.wire import ErrorAnswer
from ksctl.sandbox import auth, faults, idempotency, meta, open_platform, quota
from ksctl.sandbox.access import AppGrant
from ksctl.sandbox.clock import to_epoch
from ksctl.sandbox.refusal import Refusal
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import PlatformSettings


class Kind(StrEnum):
    token = "token"
    read = "read"
    write = "write"


@dataclass(frozen=True)
class Incoming:
    """What the HTTP layer hands over; header names lower-case."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Outcome:
    status: int
    body: bytes
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay_ms: int = 0
    result: int = codes.OK  # the envelope's code: OK, or the refusal's


@dataclass
class Call:
    """What a handler works with: the open transaction and who is calling, when."""

    conn: sqlite3.Connection
    now: datetime
    settings: PlatformSettings
    request_id: str
    incoming: Incoming
    app_or_none: AppGrant | None = None
    idempotency_key: str | None = None

    @property
    def app(self) -> AppGrant:
        if self.app_or_none is None:  # pragma: no cover - token handler only
            raise RuntimeError("no authenticated app")
        return self.app_or_none


Handler = Callable[[Call], "Outcome | BaseModel"]


def json_outcome(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Outcome:
    return Outcome(status, model.model_dump_json().encode("utf-8"), headers=dict(headers or {}))


def error_outcome(refusal: Refusal, request_id: str, status: int = 200) -> Outcome:
    """The refusal's envelope; HTTP 200 unless `status` says otherwise (no API answered)."""
    body = ErrorAnswer(result=refusal.code, error_msg=refusal.message, request_id=request_id)
    outcome = json_outcome(body, status, refusal.headers)
    outcome.result = refusal.code
    return outcome


def modelled_statuses(outcome: Outcome, settings: PlatformSettings) -> Outcome:
    """With the world's `refusal_status: modelled`, a refusal gets its code's own status."""
    modelled = settings.refusal_status == "modelled"
    if modelled and outcome.result != codes.OK and outcome.status == 200:
        outcome.status = codes.describe(outcome.result).modelled_status
    return outcome


def serve(
    store: Store,
    kind: Kind,
    operation: str,
    incoming: Incoming,
    handler: Handler,
    account_id: str | None = None,
) -> Outcome:
    request_id = uuid.uuid4().hex
    wall = store.wall_clock()
    try:
        with store.transaction() as conn:
            settings, now = meta.settings(conn), meta.now(conn)
            draw = faults.draw(settings.faults, meta.next_fault_seq(conn))
            call = Call(conn, now, settings, request_id, incoming)
            if open_platform.serves(settings.profile, operation):
                outcome, admitted = _run(call, kind, handler, draw, int(wall))
            else:  # the open_platform profile has only the real endpoints: no API answers
                outcome, admitted = (
                    error_outcome(open_platform.not_served(operation), request_id, 404),
                    False,
                )
            _log(call, kind, operation, account_id, outcome, admitted, wall)
    except meta.NotSeeded as exc:
        outcome = error_outcome(Refusal(codes.UNAVAILABLE, str(exc)), request_id)
        outcome.headers.update({"X-Request-Id": request_id, "X-Ksctl-Sandbox": "1"})
        return outcome
    if kind == Kind.write and draw.lost and outcome.result == codes.OK:
        lost = Refusal(codes.UNAVAILABLE, "the platform is unavailable for a moment")
        outcome = error_outcome(lost, request_id)
    modelled_statuses(outcome, settings)
    outcome.headers.setdefault("X-Request-Id", request_id)
    outcome.headers["X-Platform-Time"] = now.isoformat()  # the virtual clock, for clients
    outcome.headers["X-Ksctl-Sandbox"] = "1"  # clients may relax checks meant for production
    outcome.delay_ms = settings.faults.latency_ms
    return outcome


def _run(
    call: Call, kind: Kind, handler: Handler, draw: faults.Draw, wall_second: int
) -> tuple[Outcome, bool]:
    admitted = False
    try:
        if draw.error:
            raise Refusal(codes.UNAVAILABLE, "the platform is unavailable for a moment")
        if kind != Kind.token:
            query = call.incoming.query
            call.app_or_none = auth.authenticate(
                call.conn, query.get("app_id"), query.get("access_token"), call.now
            )
        if kind == Kind.read:
            quota.admit_read(
                call.conn, call.app.app_id, wall_second, call.settings.read_rate_per_second
            )
            admitted = True
        outcome = _write(call, handler) if kind == Kind.write else _handle(call, handler)
    except Refusal as refusal:
        outcome = error_outcome(refusal, call.request_id)
    if kind == Kind.write and call.app_or_none is not None:
        current = quota.write_quota(
            call.conn, call.app.app_id, call.now, call.settings.write_quota_per_day
        )
        for name, value in quota.quota_headers(current).items():
            outcome.headers.setdefault(name, value)
    return outcome, admitted


def _handle(call: Call, handler: Handler) -> Outcome:
    call.conn.execute("SAVEPOINT handler")
    try:
        result = handler(call)
    except BaseException:
        call.conn.execute("ROLLBACK TO handler")
        call.conn.execute("RELEASE handler")
        raise
    call.conn.execute("RELEASE handler")
    return result if isinstance(result, Outcome) else json_outcome(result)


def _write(call: Call, handler: Handler) -> Outcome:
    incoming = call.incoming
    key = idempotency.check_key(incoming.headers.get("idempotency-key"))
    print_ = idempotency.fingerprint(incoming.method, incoming.path, incoming.body)
    prior = idempotency.lookup(call.conn, call.app.app_id, key, print_)
    if prior is not None:
        return Outcome(prior.status, prior.body, headers={"Idempotent-Replayed": "true"})
    call.idempotency_key = key
    outcome = _handle(call, handler)
    idempotency.remember(call.conn, call.app.app_id, key, print_, outcome.status, outcome.body)
    return outcome


def _log(
    call: Call,
    kind: Kind,
    operation: str,
    account_id: str | None,
    outcome: Outcome,
    admitted: bool,
    wall: float,
) -> None:
    result = outcome.result
    app_id = call.app_or_none.app_id if call.app_or_none else call.incoming.query.get("app_id")
    call.conn.execute(
        "INSERT INTO requests(wall, wall_second, at, request_id, app_id, kind, operation, "
        "method, path, "
        "account_id, status, result, admitted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            wall,
            int(wall),
            to_epoch(call.now),
            call.request_id,
            app_id,
            kind.value,
            operation,
            call.incoming.method,
            call.incoming.path,
            account_id,
            outcome.status,
            result,
            int(admitted),
        ),
    )
