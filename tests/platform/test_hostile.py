"""A hostile endpoint cannot exhaust the machine or hang a command (docs/limits.md).

Each case runs against the tests' own server on loopback (tests/platform/hostile.py);
memory is the peak RSS of a real `ksctl` process, disk the bytes left in its folders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ksctl.compose import resolve_target
from ksctl.contract.wire import Replay
from ksctl.platform.download import DownloadTimedOut
from ksctl.platform.errors import IntegrityError, NetworkError, ProtocolError
from ksctl.platform.limits import LimitError, Limits
from ksctl.platform.retry import RetryPolicy
from ksctl.platform.target import open_client
from tests.platform import hostile as h
from tests.platform.fakes import run

ONCE = RetryPolicy(max_attempts=1)
TWICE = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
MiB = 1 << 20


def client_env(tmp_path: Path, url: str, **settings: str):  # type: ignore[no-untyped-def]
    return resolve_target(h.env(url, **settings), tmp_path)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes
    seconds: float


def ksctl(cwd: Path, env: dict[str, str], *args: str, limit: float = 60.0) -> Ran:
    """`ksctl ARGS` in a process of its own; its peak RSS from the kernel (wait4)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KSCTL_") and k != "CI"}
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    start = time.monotonic()
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ksctl.cli", *args],
            cwd=cwd,
            env={**base, **env},
            stdout=o,
            stderr=e,
            stdin=subprocess.DEVNULL,
        )
        killer = threading.Timer(limit, lambda: os.kill(proc.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Ran(
        proc.returncode,
        out.read_text(),
        err.read_text(),
        usage.ru_maxrss * 1024,  # KiB on Linux
        time.monotonic() - start,
    )


def disk_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


CONFIG = """version: 1
accounts:
  - id: "3xk9d2a1"
    backups: {replays: present, destination: backups}
"""


# ---- JSON answers are capped ----------------------------------------------------------


def test_an_endless_answer_stops_at_the_cap(tmp_path: Path) -> None:
    with h.hostile({"/openapi/accounts": h.endless_json}) as server:
        target = client_env(tmp_path, server.url, KSCTL_MAX_RESPONSE_BYTES="1M")

        async def go() -> None:
            async with open_client(target, retry=ONCE) as c:
                await c.get_accounts([h.ACCOUNT])

        with pytest.raises(ProtocolError) as caught:
            run(go())
    message = str(caught.value)
    assert "GET /openapi/accounts" in message and "1 MiB" in message
    assert "KSCTL_MAX_RESPONSE_BYTES" in message
    # The client stopped reading: only socket buffers' worth past the cap was ever sent.
    assert server.sent < 16 * MiB


def test_plan_against_an_endless_answer_stays_small_in_memory(tmp_path: Path) -> None:
    (tmp_path / "accounts.yaml").write_text(CONFIG)
    with h.hostile({}) as sane:
        baseline = ksctl(tmp_path, h.env(sane.url), "plan", "accounts.yaml")
    assert baseline.code == 0, baseline.stderr
    with h.hostile({"/openapi/accounts": h.endless_json}) as server:
        got = ksctl(tmp_path, h.env(server.url), "plan", "accounts.yaml")
    assert got.code == 1
    [line] = got.stderr.strip().splitlines()
    assert line.startswith("ksctl: error: GET /openapi/accounts: the answer passed the cap")
    assert "32 MiB" in line
    # At most the 32 MiB cap (and a growing buffer's slack) above a sane plan; before the
    # cap, the process held everything the server sent (256 MiB here, unbounded for real).
    assert got.peak_rss - baseline.peak_rss < 96 * MiB, (got.peak_rss, baseline.peak_rss)
    assert server.sent < 64 * MiB


def test_a_content_length_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    def huge(handler: h.Handler, q: dict[str, str]) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(1 << 40))
        handler.end_headers()
        handler.close_connection = True

    with h.hostile({"/openapi/quota": huge}) as server:
        target = client_env(tmp_path, server.url)

        async def go() -> None:
            async with open_client(target, retry=ONCE) as c:
                await c.get_quota()

        with pytest.raises(ProtocolError, match="passed the cap of 32 MiB"):
            run(go())


# ---- every request has a total deadline -----------------------------------------------


def test_a_drip_answer_hits_the_total_deadline(tmp_path: Path) -> None:
    # One byte every 50 ms: never a slow chunk, but the ~4 KiB answer would take minutes.
    with h.hostile({"/openapi/quota": h.drip_json(0.05)}) as server:
        target = client_env(tmp_path, server.url, KSCTL_REQUEST_TIMEOUT="0.5")

        async def go() -> None:
            async with open_client(target, retry=TWICE) as c:
                await c.get_quota()

        start = time.monotonic()
        with pytest.raises(NetworkError) as caught:
            run(go())
        took = time.monotonic() - start
    assert "GET /openapi/quota: timed out" in str(caught.value)
    assert "0.5s" in str(caught.value) and "KSCTL_REQUEST_TIMEOUT" in str(caught.value)
    assert caught.value.retryable  # like any timeout; the retry policy bounds the tries
    assert took < 10
    assert server.hits.count("/openapi/quota") == 2


# ---- a cursor seen twice --------------------------------------------------------------


def test_a_repeated_cursor_is_an_error_not_a_loop(tmp_path: Path) -> None:
    with h.hostile({"/openapi/accounts": h.looping_cursor}) as server:
        target = client_env(tmp_path, server.url)

        async def go() -> None:
            async with open_client(target, retry=ONCE) as c:
                await c.get_accounts([h.ACCOUNT])

        with pytest.raises(ProtocolError, match="cursor 'c1' a second time"):
            run(go())
    # The first page (no cursor), then "c1" once; the second "c1" stops it.
    assert server.hits.count("/openapi/accounts") == 2


def test_plan_stops_on_a_repeated_cursor(tmp_path: Path) -> None:
    (tmp_path / "accounts.yaml").write_text(CONFIG)
    with h.hostile({"/openapi/accounts": h.looping_cursor}) as server:
        got = ksctl(tmp_path, h.env(server.url), "plan", "accounts.yaml", limit=30)
    assert got.code == 1
    assert "a second time" in got.stderr and len(got.stderr.strip().splitlines()) == 1


# ---- downloads stop at their listed size and within a size-scaled deadline -------------


REPLAY = Replay.model_validate(h.REPLAY)


def test_a_download_past_its_listed_size_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "r1.mp4"
    with h.hostile({h.CONTENT: h.endless_content}) as server:
        target = client_env(tmp_path, server.url)

        async def go() -> None:
            async with open_client(target, retry=TWICE) as c:
                await c.download_replay(h.ACCOUNT, REPLAY, dest)

        with pytest.raises(IntegrityError, match="ran past its listed size of 8000 bytes"):
            run(go())
    assert disk_bytes(tmp_path / "out") == 0  # no partial, no file
    assert server.hits.count(h.CONTENT) == 1  # an error for the file, not retried
    assert server.sent < 16 * MiB


def test_apply_against_an_endless_download_fills_no_disk(tmp_path: Path) -> None:
    (tmp_path / "accounts.yaml").write_text(CONFIG)
    with h.hostile({h.CONTENT: h.endless_content}) as server:
        got = ksctl(tmp_path, h.env(server.url), "apply", "accounts.yaml", "--auto-approve")
    assert got.code == 1, got.stderr
    assert "ran past its listed size of 8000 bytes" in got.stderr
    assert disk_bytes(tmp_path / ".ksctl" / "staging") == 0
    assert not (tmp_path / "backups").exists() or disk_bytes(tmp_path / "backups") == 0
    assert server.sent < 64 * MiB


def test_a_drip_download_hits_its_deadline(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "r1.mp4"
    with h.hostile({h.CONTENT: h.drip_content(0.02)}) as server:
        # 8,000 bytes at 1 MiB/s plus a 1 s grace: about 1 s, where the drip needs 160 s.
        target = client_env(
            tmp_path, server.url, KSCTL_DOWNLOAD_GRACE="1", KSCTL_DOWNLOAD_MIN_RATE="1M"
        )

        async def go() -> None:
            async with open_client(target, retry=TWICE) as c:
                await c.download_replay(h.ACCOUNT, REPLAY, dest)

        start = time.monotonic()
        with pytest.raises(DownloadTimedOut) as caught:
            run(go())
        took = time.monotonic() - start
    assert took < 5
    assert "did not finish within 1s" in str(caught.value)
    assert "KSCTL_DOWNLOAD_MIN_RATE" in str(caught.value)
    # What arrived stays as a partial for the next run to resume, bounded by the listing.
    assert 0 < disk_bytes(tmp_path / "out") < len(h.REPLAY_BYTES)


def test_apply_against_a_drip_download_stops_with_work_left(tmp_path: Path) -> None:
    (tmp_path / "accounts.yaml").write_text(CONFIG)
    settings = {"KSCTL_DOWNLOAD_GRACE": "1", "KSCTL_DOWNLOAD_MIN_RATE": "1M"}
    with h.hostile({h.CONTENT: h.drip_content(0.02)}) as server:
        got = ksctl(
            tmp_path, h.env(server.url, **settings), "apply", "accounts.yaml", "--auto-approve"
        )
    assert got.code == 3, got.stderr
    assert "did not finish within 1s" in got.stderr
    assert got.seconds < 30


# ---- the settings ---------------------------------------------------------------------


def test_limit_settings_are_parsed_and_checked() -> None:
    got = Limits.from_env(
        {
            "KSCTL_MAX_RESPONSE_BYTES": "64MiB",
            "KSCTL_REQUEST_TIMEOUT": "90",
            "KSCTL_DOWNLOAD_MIN_RATE": "512k",
            "KSCTL_DOWNLOAD_GRACE": "5",
        }
    )
    assert got == Limits(64 * MiB, 90.0, 512 << 10, 5.0)
    assert Limits.from_env({}) == Limits()
    assert Limits().download_deadline(64 << 20) == 60 + 1024
    for name, bad in (
        ("KSCTL_MAX_RESPONSE_BYTES", "lots"),
        ("KSCTL_MAX_RESPONSE_BYTES", "0"),
        ("KSCTL_REQUEST_TIMEOUT", "-1"),
        ("KSCTL_REQUEST_TIMEOUT", "nan"),
    ):
        with pytest.raises(LimitError, match=name):
            Limits.from_env({name: bad})
