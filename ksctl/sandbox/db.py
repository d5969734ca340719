"""The SQLite file behind the sandbox: schema and connections.

One file is one world; separate processes (a served sandbox, a CLI using it embedded, a
test) share it. WAL lets readers and one writer overlap; every request runs in one
`BEGIN IMMEDIATE` transaction so that its checks and its effects are atomic across
processes. Times are integer epoch seconds so that SQL can compare them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = "1"

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
  app_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL,
  admin_orgs TEXT NOT NULL, accounts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  token_sha256 TEXT PRIMARY KEY, app_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_codes (
  code_sha256 TEXT PRIMARY KEY, app_id TEXT NOT NULL, account_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS oauth_grants (
  app_id TEXT NOT NULL, account_id TEXT NOT NULL, open_id TEXT NOT NULL, scopes TEXT NOT NULL,
  status TEXT NOT NULL, granted_at INTEGER NOT NULL, PRIMARY KEY (app_id, account_id));
CREATE TABLE IF NOT EXISTS user_tokens (
  token_sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, app_id TEXT NOT NULL,
  account_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS user_tokens_account ON user_tokens(app_id, account_id, kind);
CREATE TABLE IF NOT EXISTS accounts (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
  org TEXT, parent TEXT, phone TEXT, version INTEGER NOT NULL,
  permission TEXT NOT NULL, closed_at INTEGER, streaming INTEGER NOT NULL,
  ban_until INTEGER, ban_reason TEXT,
  live_certified INTEGER NOT NULL, blue_v INTEGER NOT NULL, quality_streamer INTEGER NOT NULL,
  contract_mcn TEXT, contract_min_hours INTEGER, contract_until INTEGER,
  interaction_days INTEGER NOT NULL, viewer_phones INTEGER NOT NULL,
  short_video_tipping TEXT NOT NULL, shopping_cart TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_org ON accounts(org);
CREATE TABLE IF NOT EXISTS schedules (
  account_id TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
  start_at INTEGER NOT NULL, status TEXT NOT NULL, PRIMARY KEY (account_id, id));
CREATE TABLE IF NOT EXISTS replays (
  account_id TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL, recorded_at INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, online INTEGER NOT NULL,
  PRIMARY KEY (account_id, id));
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, ready_at INTEGER NOT NULL,
  range_start INTEGER NOT NULL, range_end INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_account ON jobs(account_id, seq);
CREATE TABLE IF NOT EXISTS tickets (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, fulfilled_at INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_account ON tickets(account_id, seq);
CREATE TABLE IF NOT EXISTS appeals (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, decided_at INTEGER NOT NULL, copyright_proof TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS appeals_account ON appeals(account_id, seq);
CREATE TABLE IF NOT EXISTS appeal_replays (
  appeal_id TEXT NOT NULL, account_id TEXT NOT NULL, replay_id TEXT NOT NULL,
  PRIMARY KEY (appeal_id, replay_id));
CREATE INDEX IF NOT EXISTS appeal_replays_replay ON appeal_replays(account_id, replay_id);
CREATE TABLE IF NOT EXISTS sms_codes (
  seq INTEGER PRIMARY KEY, account_id TEXT NOT NULL, app_id TEXT NOT NULL, phone TEXT NOT NULL,
  code TEXT NOT NULL, sent_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS verifications (
  ticket_sha256 TEXT PRIMARY KEY, account_id TEXT NOT NULL, app_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS idempotency (
  app_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (app_id, key));
CREATE TABLE IF NOT EXISTS writes (
  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, app_id TEXT NOT NULL, account_id TEXT NOT NULL,
  operation TEXT NOT NULL, target TEXT, idempotency_key TEXT, request_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS writes_app ON writes(app_id, at);
CREATE TABLE IF NOT EXISTS requests (
  seq INTEGER PRIMARY KEY, wall REAL NOT NULL, wall_second INTEGER NOT NULL, at INTEGER NOT NULL,
  request_id TEXT NOT NULL, app_id TEXT, kind TEXT NOT NULL, operation TEXT NOT NULL,
  method TEXT NOT NULL, path TEXT NOT NULL, account_id TEXT,
  status INTEGER NOT NULL, result INTEGER NOT NULL, admitted INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS requests_rate ON requests(app_id, kind, wall_second);
"""

# Everything a seed replaces; `meta` keeps the schema version.
WORLD_TABLES = [
    "apps",
    "tokens",
    "oauth_codes",
    "oauth_grants",
    "user_tokens",
    "accounts",
    "schedules",
    "replays",
    "jobs",
    "tickets",
    "appeals",
    "appeal_replays",
    "sms_codes",
    "verifications",
    "idempotency",
    "writes",
    "requests",
]


def connect(path: Path) -> sqlite3.Connection:
    # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), never implicit.
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


def create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(DDL)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
        )
    finally:
        conn.close()


@contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One atomic unit of work; rolled back when the block raises."""
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
