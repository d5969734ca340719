"""Idempotency keys: a repeated key returns the first answer and changes nothing.

The fingerprint covers the method, the path and the body, not the query string (a client
that refreshed its token between two tries is still repeating the same request). Only
successful answers are remembered: a refused write changed nothing and may be retried.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass

from ksctl.contract import codes
from ksctl.sandbox.refusal import Refusal

KEY = re.compile(r"^[\x21-\x7e]([\x20-\x7e]{0,198}[\x21-\x7e])?$")


@dataclass(frozen=True)
class Remembered:
    status: int
    body: bytes


def check_key(key: str | None) -> str:
    if key is None or not KEY.match(key):
        raise Refusal(
            codes.BAD_REQUEST,
            "writes need an Idempotency-Key header of 1-200 printable ASCII characters",
        )
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    try:
        canonical = (
            json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
            if body
            else b""
        )
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(
        b"\0".join([method.upper().encode(), path.encode(), canonical])
    ).hexdigest()


def lookup(conn: sqlite3.Connection, app_id: str, key: str, print_: str) -> Remembered | None:
    row = conn.execute(
        "SELECT fingerprint, status, body FROM idempotency WHERE app_id = ? AND key = ?",
        (app_id, key),
    ).fetchone()
    if row is None:
        return None
    if row["fingerprint"] != print_:
        raise Refusal(
            codes.IDEMPOTENCY_CONFLICT,
            "this Idempotency-Key was already used for a different request",
        )
    return Remembered(row["status"], bytes(row["body"]))


def remember(
    conn: sqlite3.Connection, app_id: str, key: str, print_: str, status: int, body: bytes
) -> None:
    conn.execute(
        "INSERT INTO idempotency(app_id, key, fingerprint, status, body) VALUES (?, ?, ?, ?, ?)",
        (app_id, key, print_, status, body),
    )
