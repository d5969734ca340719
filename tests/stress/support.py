"""What the stress tests share: a throw-away workspace usable inside `@given`, and the
invariants checked after every apply."""

from __future__ import annotations

import collections
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ksctl.backups.manifest import BackupKind
from ksctl.backups.store import BackupStore, LocalSink
from ksctl.config.model import Backup, DesiredAccount
from ksctl.platform import client as client_module
from ksctl.platform.retry import SystemClock
from tests.apply.conftest import Workspace

ENV = (
    "KSCTL_ENDPOINT",
    "KSCTL_APP_ID",
    "KSCTL_APP_SECRET",
    "KSCTL_SMS_CODE_COMMAND",
    "CI",
    "NO_COLOR",
    "KSCTL_DEBUG",
)

CONTENT_OK = (200, 206)


class FastClock(SystemClock):
    """The client's retry clock without the real waiting: a backoff is a tick of the loop.

    Retries still happen in the same order and within the same attempt bounds; only the
    wall time they would take is skipped, so a fault-heavy run takes a fraction of a second.
    """

    def __init__(self) -> None:
        self.skipped = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        import asyncio

        self.skipped += max(0.0, seconds)
        await asyncio.sleep(0)


@contextmanager
def workspace(*, fast: bool = True) -> Iterator[Workspace]:
    """A fresh working directory with an (unseeded) embedded sandbox, no target in the
    environment; usable inside a hypothesis test, where function fixtures are not."""
    with (
        tempfile.TemporaryDirectory(prefix="ksctl-stress-") as folder,
        pytest.MonkeyPatch.context() as mp,
    ):
        for name in ENV:
            mp.delenv(name, raising=False)
        mp.chdir(folder)
        if fast:
            mp.setattr(client_module, "SystemClock", FastClock)
            from ksctl.apply import reconcile

            poll = reconcile._poll
            # Apply polls a pending export job for up to 20 real seconds; the sandbox clock
            # is virtual and does not move meanwhile, so one look is all it can learn.
            mp.setattr(reconcile, "_poll", lambda fetch, ready, budget_s: poll(fetch, ready, 0))
        yield Workspace(Path(folder), CliRunner())


# ---- output -----------------------------------------------------------------------------------

ERROR_LINE = re.compile(r"^(ksctl: error: .+|[^\s:][^:]*:\d+:\d+: .+)$")


def assert_clean_output(result: Result) -> None:
    """No traceback and no internal error: every failure is a line a person can act on."""
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


# ---- invariants ---------------------------------------------------------------------------------


def wanted_backups(desired: DesiredAccount, replay_ids: list[str]) -> set[tuple[str, str | None]]:
    """The backups an account asked for: (kind, target)."""
    out: set[tuple[str, str | None]] = set()
    b = desired.backups
    if b is None:
        return out
    if b.interactions is Backup.present:
        out.add((BackupKind.interactions.value, None))
    if b.gift_ledger is Backup.present:
        out.add((BackupKind.gift_ledger.value, None))
    if b.replays is Backup.present:
        out.update((BackupKind.replay.value, r) for r in replay_ids)
    return out


def content_path(
    account_id: str, kind: str, target: str | None, writes: list[dict[str, Any]]
) -> set[str]:
    """The platform paths a backup of (kind, target) is downloaded from."""
    if kind == BackupKind.replay.value:
        return {f"/openapi/accounts/{account_id}/replays/{target}/content"}
    operation, prefix = (
        ("export_interactions", "/openapi/jobs/")
        if kind == BackupKind.interactions.value
        else ("request_gift_ledger", "/openapi/tickets/")
    )
    return {
        f"{prefix}{w['target']}/content"
        for w in writes
        if w["account_id"] == account_id and w["operation"] == operation
    }


Item = tuple[str, str, str | None]  # (account, kind, target) of a backup


def assert_closed_only_after_backups(
    ws: Workspace,
    desired: Mapping[str, DesiredAccount],
    replays: Mapping[str, list[str]],
    damaged: Mapping[Item, int] | None = None,
) -> None:
    """Live is never disabled before every backup the account asked for was fetched from the
    platform (the sandbox's own request log, independent of ksctl's journal) and verified in
    the backup store; and, in ksctl's journal, after each backup action finished."""
    writes = ws.store.writes()
    log = ws.store.request_log()
    seq = {r["request_id"]: r["seq"] for r in log if r["request_id"]}
    fetched = [
        (r["seq"], r["path"])
        for r in log
        if r["operation"] in ("replay_content", "job_content", "ticket_content")
        and r["status"] in CONTENT_OK
        and r["result"] == 1  # a refused download is HTTP 200 too
    ]
    store = BackupStore(LocalSink(ws.root / ".ksctl" / "backups"))
    for w in writes:
        if w["operation"] != "disable_live" or w["account_id"] not in desired:
            continue
        account = w["account_id"]
        closed_at = seq[w["request_id"]]
        before = {path for s, path in fetched if s < closed_at}
        for kind, target in wanted_backups(desired[account], replays[account]):
            paths = content_path(account, kind, target, writes)
            assert paths & before, (account, kind, target, "live closed before the download")
            if (account, kind, target) not in (damaged or {}):  # lost since: judged below
                assert store.verified(BackupKind(kind), account, target), (account, kind, target)
    assert_journal_backups_first(ws.root)
    assert_fetched_again_after_damage(ws, damaged or {})


# Destructive writes, and which backups (kinds) each must find verified first.
DESTRUCTIVE = {
    "disable_live": None,
    "takedown_appeal": None,
    "purge_viewer_phones": frozenset({BackupKind.interactions.value}),
}


def assert_fetched_again_after_damage(ws: Workspace, damaged: Mapping[Item, int]) -> None:
    """A backup lost or corrupted in the store (at request-log position `seq`) is fetched
    from the platform again before any later destructive write to its account: the
    guarantee holds at the moment of the write, not at the moment of the plan."""
    if not damaged:
        return
    writes = ws.store.writes()
    log = ws.store.request_log()
    seq = {r["request_id"]: r["seq"] for r in log if r["request_id"]}
    fetched = [
        (r["seq"], r["path"])
        for r in log
        if r["operation"] in ("replay_content", "job_content", "ticket_content")
        and r["status"] in CONTENT_OK
        and r["result"] == 1  # a refused download is HTTP 200 too
    ]
    for w in writes:
        scope = DESTRUCTIVE.get(w["operation"], ())
        if scope == ():
            continue
        at = seq[w["request_id"]]
        for (account, kind, target), lost_at in damaged.items():
            if account != w["account_id"] or lost_at >= at or (scope and kind not in scope):
                continue
            paths = content_path(account, kind, target, writes)
            again = {path for s, path in fetched if lost_at < s < at}
            assert paths & again, (account, kind, target, w["operation"], "not fetched again")


def backup_file(ws: Workspace, address: str) -> Path | None:
    """The data file in the store that the backup action at `address` makes, if it is one."""
    account, _, action = address.partition("/")
    root = ws.root / ".ksctl" / "backups" / account
    if action == "export_interactions":
        return root / "interactions.csv"
    if action == "download_gift_ledger":
        return root / "gift_ledger.csv"
    if action.startswith("download_replay[") and action.endswith("]"):
        return root / "replays" / f"{action[len('download_replay[') : -1]}.mp4"
    return None


def damage(ws: Workspace, path: Path, corrupt: bool) -> Item:
    """Lose (delete) or corrupt one file of the backup store; the backup it belongs to."""
    root = ws.root / ".ksctl" / "backups"
    parts = path.relative_to(root).parts
    account = parts[0]
    if parts[1] == "replays":
        kind, target = BackupKind.replay.value, parts[2].split(".", 1)[0]
    else:
        kind, target = parts[1].split(".", 1)[0], None
    if corrupt:
        data = bytearray(path.read_bytes())
        if data:
            data[len(data) // 2] ^= 0xFF
        else:
            data = bytearray(b"x")
        path.write_bytes(bytes(data))
    else:
        path.unlink()
    return account, kind, target


def store_files(ws: Workspace) -> list[Path]:
    root = ws.root / ".ksctl" / "backups"
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part"))


def assert_journal_backups_first(root: Path) -> None:
    """In each run's journal, an account's `disable_live` that wrote ends only after every
    backup action of that account in the run ended done or already (run by run)."""
    for path in (root / ".ksctl" / "journal").glob("*.jsonl"):
        started: dict[str, set[str]] = collections.defaultdict(set)
        finished: dict[str, set[str]] = collections.defaultdict(set)
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            account, _, kind = event.get("address", "").partition("/")
            if kind.startswith(("export", "download")):
                if event["event"] == "start":
                    started[account].add(event["address"])
                elif event["event"] == "end" and event["outcome"] in ("done", "already"):
                    finished[account].add(event["address"])
            if kind == "disable_live" and event["event"] == "end" and event["writes"]:
                assert started[account] <= finished[account], (path.name, event["address"])


def plan_json(ws: Workspace, config: str) -> tuple[Result, dict[str, Any]]:
    result = ws.ksctl("plan", config, "--format", "json", "--detailed-exitcode")
    assert_clean_output(result)
    assert result.exit_code in (0, 1, 2), result.stderr
    return result, json.loads(result.stdout)


def now_of(ws: Workspace) -> datetime:
    return ws.store.now()
