"""`ksctl evidence add`: the file the app gave, checked and stored as a verified backup."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from ksctl.backups.manifest import BackupKind
from ksctl.backups.store import BackupStore, LocalSink
from ksctl.cli import cli
from tests.human.conftest import Workspace

EXAMPLE = Path(__file__).parents[2] / "examples" / "accounts.yaml"
ACCOUNT = "8qv2n6e4"  # 老王美食: replays r1 (2026-11-03) and r2 (2026-11-17)


@pytest.fixture
def config(ws: Workspace) -> Path:
    path = ws.root / "accounts.yaml"
    shutil.copy(EXAMPLE, path)
    return path


def store(ws: Workspace) -> BackupStore:
    return BackupStore(LocalSink(ws.root / ".ksctl" / "backups"))


def export(ws: Workspace, kind: str, name: str, account: str = ACCOUNT) -> Path:
    out = ws.root / name
    result = ws.ksctl("sandbox", "export", account, kind, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def add(ws: Workspace, kind: str, file: Path, account: str = ACCOUNT) -> tuple[int, str]:
    result = ws.runner.invoke(cli, ["evidence", "add", account, kind, str(file), "--by", "王五"])
    return result.exit_code, result.output


def planned(ws: Workspace, account: str = ACCOUNT) -> list[str]:
    result = ws.ksctl("plan", "--format", "json", "--target", account)
    assert result.exit_code == 0, result.output
    start = result.output.index("{")
    (acc,) = json.loads(result.output[start:])["accounts"]
    return [a["address"] for a in acc["actions"]]


def test_an_interaction_export_counts_as_a_verified_backup(ws: Workspace, config: Path) -> None:
    assert f"{ACCOUNT}/export_interactions" in planned(ws)
    code, out = add(ws, "interactions", export(ws, "interactions", "i.csv"))
    assert code == 0, out
    assert "counts as a verified backup" in out
    manifest = store(ws).manifest(BackupKind.interactions, ACCOUNT)
    assert manifest is not None
    assert manifest.source == "operator upload" and manifest.by == "王五"
    assert manifest.range_end is not None and manifest.range_end.date().isoformat() == "2026-11-25"
    assert store(ws).verified(BackupKind.interactions, ACCOUNT)
    assert f"{ACCOUNT}/export_interactions" not in planned(ws)  # present, like a download


def test_a_replay_video_counts_and_a_file_that_is_no_video_is_refused(
    ws: Workspace, config: Path
) -> None:
    video = export(ws, "replay:r1", "r1.mp4")
    code, out = add(ws, "replay:r1", video)
    assert code == 0, out
    assert store(ws).verified(BackupKind.replay, ACCOUNT, "r1")
    assert f"{ACCOUNT}/download_replay[r1]" not in planned(ws)

    noise = ws.root / "r2.mp4"
    noise.write_bytes(b"\0" * 200_000)
    code, out = add(ws, "replay:r2", noise)
    assert (code, out.strip()) == (
        1,
        "ksctl: error: not a video file (no MP4, Matroska or FLV header)",
    )
    code, out = add(ws, "replay:r9", video)
    assert code == 1 and "no replay r9 on the account (r1, r2)" in out
    assert not store(ws).verified(BackupKind.replay, ACCOUNT, "r2")


def test_a_wrong_file_is_refused_with_one_line_and_nothing_is_stored(
    ws: Workspace, config: Path
) -> None:
    real = export(ws, "interactions", "i.csv")
    lines = real.read_text().splitlines()
    short = ws.root / "short.csv"
    short.write_text("\n".join(lines[:-7]) + "\n")  # a week missing at the end
    video = export(ws, "replay:r1", "r1.mp4")
    late = ws.root / "late.csv"  # the lives of November are not in it
    late.write_text("\n".join([lines[0], *lines[-3:]]) + "\n")
    cases = {
        short: "ends on 2026-11-17 but the account's interactions run to 2026-11-24",
        video: "not a UTF-8 CSV interaction export",
        late: "starts on 2026-11-22 but the account went live on 2026-11-03",
    }
    for file, says in cases.items():
        code, out = add(ws, "interactions", file)
        assert code == 1 and len(out.strip().splitlines()) == 1, out
        assert says in out
    ledger = ws.root / "ledger.csv"
    ledger.write_text("time,viewer,gift,count,kuaibi\n")
    code, out = add(ws, "interactions", ledger)
    assert code == 1 and "its columns are time,viewer,gift,count,kuaibi" in out
    assert store(ws).manifest(BackupKind.interactions, ACCOUNT) is None


def test_a_gift_ledger_comes_from_a_request_to_customer_service(
    ws: Workspace, config: Path
) -> None:
    account = "3xk9d2a1"
    out = ws.root / "ledger.csv"
    early = ws.ksctl("sandbox", "export", account, "gift_ledger", "--out", str(out))
    assert early.exit_code == 1 and "has no request for the gift ledger" in early.output
    assert ws.ksctl("sandbox", "act", account, "request_gift_ledger").exit_code == 0
    waiting = ws.ksctl("sandbox", "export", account, "gift_ledger", "--out", str(out))
    assert waiting.exit_code == 1 and "not delivered the gift ledger yet" in waiting.output
    ws.store.advance(timedelta(hours=49))
    code, said = add(ws, "gift_ledger", export(ws, "gift_ledger", "ledger.csv", account), account)
    assert code == 0, said
    assert store(ws).verified(BackupKind.gift_ledger, account)


def test_an_account_outside_the_configuration_is_refused(ws: Workspace, config: Path) -> None:
    file = export(ws, "interactions", "i.csv")
    code, out = add(ws, "interactions", file, "nobody1")
    assert code == 1 and "account nobody1 is not in the configuration" in out
