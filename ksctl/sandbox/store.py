"""The sandbox world in one SQLite file: seed it, read its logs, move its clock, change it.

`Store` is the handle tests and commands use; the HTTP app uses it too (through
`transaction()`), so whatever a test changes here the next request sees, in any process.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ksctl.config.load import deep_merge
from ksctl.sandbox import db, meta, oauth, seeding
from ksctl.sandbox.access import load_app
from ksctl.sandbox.clock import from_epoch
from ksctl.sandbox.masking import mask_phone
from ksctl.sandbox.world import AccountSeed, PlatformSettings, World


class UnknownAccount(KeyError):
    pass


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else from_epoch(seconds).isoformat()


class Store:
    """A sandbox world persisted at `path` (created when missing, empty until seeded)."""

    def __init__(self, path: Path, *, wall_clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        # Real time, for the per-second read rate only; tests pin it to stay deterministic.
        self.wall_clock = wall_clock
        db.create(self.path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return db.transaction(self.path)

    # ---- the world ------------------------------------------------------------------

    def is_seeded(self) -> bool:
        with self.transaction() as conn:
            return meta.is_seeded(conn)

    def seed(self, world: World) -> None:
        """Replace the whole world: accounts, apps, clock, settings; logs start empty."""
        world.check()
        with self.transaction() as conn:
            seeding.write_world(conn, world)

    def reset(self) -> None:
        """Back to the last seeded world, as if it had just been seeded."""
        with self.transaction() as conn:
            seeding.write_world(conn, meta.world(conn))

    def world(self) -> World:
        """The world as last seeded (not its current state)."""
        with self.transaction() as conn:
            return meta.world(conn)

    def first_app(self) -> tuple[str, str] | None:
        """The id and secret of the seeded world's first app, if it has one."""
        with self.transaction() as conn:
            return meta.first_app(conn)

    def settings(self) -> PlatformSettings:
        with self.transaction() as conn:
            return meta.settings(conn)

    def configure(self, **changes: Any) -> PlatformSettings:
        """Change platform settings at run time, e.g. `configure(faults={"error_rate": 0.2})`."""
        with self.transaction() as conn:
            current = meta.settings(conn).model_dump()
            updated = PlatformSettings.model_validate(deep_merge(current, changes))
            meta.set_settings(conn, updated)
            return updated

    # ---- the virtual clock --------------------------------------------------------------

    def now(self) -> datetime:
        with self.transaction() as conn:
            return meta.now(conn)

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward; it never goes back (tokens, tickets, quotas rely on it)."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self.transaction() as conn:
            moment = meta.now(conn) + delta
            meta.set_now(conn, moment)
            return moment

    # ---- accounts, for tests and tools ---------------------------------------------

    def account(self, account_id: str) -> AccountSeed:
        """The stored facts of an account, in world-file form."""
        with self.transaction() as conn:
            found = seeding.read_account(conn, account_id)
        if found is None:
            raise UnknownAccount(account_id)
        return found

    def version(self, account_id: str) -> str:
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT version FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
        if row is None:
            raise UnknownAccount(account_id)
        return str(row["version"])

    def patch_account(
        self, account_id: str, patch: dict[str, Any], *, bump: bool = True
    ) -> AccountSeed:
        """Change an account as the world file would say it (deep merge) and bump its version.

        The platform changing under a plan is exactly what `If-Match` must catch, so the
        version moves unless `bump=False`.
        """
        with self.transaction() as conn:
            current = seeding.read_account(conn, account_id)
            if current is None:
                raise UnknownAccount(account_id)
            updated = AccountSeed.model_validate(
                deep_merge(current.model_dump(), {**patch, "id": account_id})
            )
            row = conn.execute(
                "SELECT version FROM accounts WHERE id = ?", (account_id,)
            ).fetchone()
            seeding.update_account(conn, updated, version=row["version"] + (1 if bump else 0))
            return updated

    def revoke(self, account_id: str, app_id: str | None = None) -> list[str]:
        """The account holder cancels the authorization of `app_id` (every app when None):
        the apps that lost a grant."""
        with self.transaction() as conn:
            if (
                conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone()
                is None
            ):
                raise UnknownAccount(account_id)
            if app_id is not None and load_app(conn, app_id) is None:
                raise ValueError(f"no app {app_id} in the world")
            return oauth.revoke(conn, account_id, app_id)

    def set_streaming(self, account_id: str, streaming: bool) -> None:
        self.patch_account(account_id, {"live": {"streaming": streaming}})

    # ---- logs -----------------------------------------------------------------------------

    def writes(self) -> list[dict[str, Any]]:
        """Every committed write that changed something, oldest first."""
        with self.transaction() as conn:
            rows = conn.execute("SELECT * FROM writes ORDER BY seq").fetchall()
        return [
            {
                "seq": r["seq"],
                "at": _iso(r["at"]),
                "app_id": r["app_id"],
                "account_id": r["account_id"],
                "operation": r["operation"],
                "target": r["target"],
                "idempotency_key": r["idempotency_key"],
                "request_id": r["request_id"],
            }
            for r in rows
        ]

    def sms_inbox(self) -> list[dict[str, Any]]:
        """The codes sent, oldest first (the latest is last, like the write log).

        The sandbox stands in for the bound phones; phones are masked even here.
        """
        with self.transaction() as conn:
            rows = conn.execute("SELECT * FROM sms_codes ORDER BY seq").fetchall()
        return [
            {
                "account_id": r["account_id"],
                "phone_masked": mask_phone(r["phone"]),
                "code": r["code"],
                "sent_at": _iso(r["sent_at"]),
                "expires_at": _iso(r["expires_at"]),
                "used": bool(r["used"]),
            }
            for r in rows
        ]

    def request_log(self) -> list[dict[str, Any]]:
        """Every request answered, reads included (no query strings: they carry tokens)."""
        with self.transaction() as conn:
            rows = conn.execute("SELECT * FROM requests ORDER BY seq").fetchall()
        return [
            {
                "seq": r["seq"],
                "at": _iso(r["at"]),
                "request_id": r["request_id"],
                "app_id": r["app_id"],
                "kind": r["kind"],
                "operation": r["operation"],
                "method": r["method"],
                "path": r["path"],
                "account_id": r["account_id"],
                "status": r["status"],
                "result": r["result"],
            }
            for r in rows
        ]

    def request_counts(self, kind: str | None = None) -> dict[str, int]:
        """How many requests each operation received (`kind`: read, write or token)."""
        query = "SELECT operation, COUNT(*) AS n FROM requests"
        params: tuple[str, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            params = (kind,)
        with self.transaction() as conn:
            rows = conn.execute(query + " GROUP BY operation", params).fetchall()
        return {r["operation"]: r["n"] for r in rows}
