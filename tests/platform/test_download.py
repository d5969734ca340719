"""Downloads resume with Range after a cut, verify size and sha256, and land atomically 0600."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ksctl.contract import codes
from ksctl.contract.wire import Replay
from ksctl.platform.download import LocalFileSink, verify_file
from ksctl.platform.errors import IntegrityError, NetworkError, NotReady, ProtocolError
from ksctl.platform.retry import RetryPolicy
from tests.platform.fakes import FakeClock, FakePlatform, make_client, refuse, run

CONTENT = bytes(range(256)) * 4096 + b"tail"  # 1 MiB + 4 bytes
SHA = hashlib.sha256(CONTENT).hexdigest()
PATH = "/openapi/accounts/a1/replays/r1/content"
REPLAY = Replay(
    id="r1",
    title="秋冬上新",
    recorded_at="2026-11-01T20:00:00+08:00",
    size_bytes=len(CONTENT),
    sha256=SHA,
    online=True,
)


class CutStream(httpx.AsyncByteStream):
    """Sends `data[:cut]` in small chunks, then drops the connection."""

    def __init__(self, data: bytes, cut: int | None) -> None:
        self.data, self.cut = data, cut

    async def __aiter__(self) -> AsyncIterator[bytes]:
        end = len(self.data) if self.cut is None else self.cut
        for i in range(0, end, 65536):
            yield self.data[i : min(i + 65536, end)]
        if self.cut is not None:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


class ContentServer:
    """Serves CONTENT with Range; `cuts` lists, per request, where to drop (None: whole)."""

    def __init__(
        self,
        content: bytes = CONTENT,
        cuts: list[int | None] | None = None,
        honour_range: bool = True,
        sha: str | None = SHA,
        past_the_end: str = "envelope",
    ) -> None:
        self.past_the_end = past_the_end  # envelope: 200 and 410012, as the sandbox; http: 416
        self.content = content
        self.cuts = list(cuts or [])
        self.honour_range = honour_range
        self.sha = sha
        self.ranges: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        rng = request.headers.get("Range")
        self.ranges.append(rng)
        cut = self.cuts.pop(0) if self.cuts else None
        headers = {"Accept-Ranges": "bytes"}
        if self.sha:
            headers["X-Content-SHA256"] = self.sha
        total = len(self.content)
        if rng and self.honour_range:
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            if start >= total:
                unsatisfiable = {"Content-Range": f"bytes */{total}"}
                if self.past_the_end == "http":
                    return httpx.Response(416, headers=unsatisfiable)
                return refuse(codes.RANGE_NOT_SATISFIABLE, "past the end", headers=unsatisfiable)
            part = self.content[start:]
            headers |= {
                "Content-Range": f"bytes {start}-{total - 1}/{total}",
                "Content-Length": str(len(part)),
            }
            return httpx.Response(206, headers=headers, stream=CutStream(part, cut))
        headers["Content-Length"] = str(total)
        return httpx.Response(200, headers=headers, stream=CutStream(self.content, cut))


def platform_with(server: ContentServer) -> FakePlatform:
    p = FakePlatform()
    p.script("GET", PATH, server)
    return p


def fetch(
    p: FakePlatform,
    dest: Path,
    *,
    clock: FakeClock | None = None,
    retry: RetryPolicy | None = None,
    **expect: object,
):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with make_client(p, clock=clock, retry=retry) as c:
            if expect.get("listing", True):
                return await c.download_replay("a1", REPLAY, dest)
            return await c.download(PATH, dest)

    return run(go())


def test_whole_download_is_verified_and_private(tmp_path: Path) -> None:
    dest = tmp_path / "backups" / "a1" / "r1.mp4"
    got = fetch(platform_with(ContentServer()), dest)
    assert dest.read_bytes() == CONTENT
    assert (got.size, got.sha256, got.fetched, got.resumes) == (len(CONTENT), SHA, True, 0)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert not LocalFileSink(dest).partial.exists()
    assert verify_file(dest, len(CONTENT), SHA)


def test_cut_downloads_resume_with_range(tmp_path: Path) -> None:
    server = ContentServer(cuts=[300_000, 200_000, None])
    clock = FakeClock()
    dest = tmp_path / "r1.mp4"
    got = fetch(platform_with(server), dest, clock=clock)
    assert dest.read_bytes() == CONTENT
    assert server.ranges == [None, "bytes=300000-", "bytes=500000-"]
    assert got.resumes == 2


def test_progress_is_never_given_up(tmp_path: Path) -> None:
    # Ten cuts, each after some progress, with a policy of two attempts: it still finishes.
    server = ContentServer(cuts=[100_000] * 10 + [None])
    got = fetch(
        platform_with(server),
        tmp_path / "r1.mp4",
        retry=RetryPolicy(max_attempts=2, base_delay=0.01),
    )
    assert got.resumes == 10


def test_no_progress_gives_up_and_keeps_the_partial(tmp_path: Path) -> None:
    server = ContentServer(cuts=[1000] + [0] * 10)
    dest = tmp_path / "r1.mp4"
    with pytest.raises(NetworkError):
        fetch(platform_with(server), dest, retry=RetryPolicy(max_attempts=3, base_delay=0.01))
    assert not dest.exists()
    assert LocalFileSink(dest).offset() == 1000
    # a later run resumes from the partial
    server2 = ContentServer()
    fetch(platform_with(server2), dest)
    assert server2.ranges == ["bytes=1000-"]
    assert dest.read_bytes() == CONTENT


def test_present_file_is_not_fetched_again(tmp_path: Path) -> None:
    dest = tmp_path / "r1.mp4"
    fetch(platform_with(ContentServer()), dest)
    p = platform_with(ContentServer())
    got = fetch(p, dest)
    assert not got.fetched and p.calls("GET", PATH) == []


def test_a_changed_file_at_the_destination_is_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "r1.mp4"
    dest.write_bytes(b"stale")
    fetch(platform_with(ContentServer()), dest)
    assert dest.read_bytes() == CONTENT


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path) -> None:
    server = ContentServer(cuts=[400_000, None], honour_range=False)
    dest = tmp_path / "r1.mp4"
    fetch(platform_with(server), dest)
    assert dest.read_bytes() == CONTENT
    assert server.ranges == [None, "bytes=400000-"]


@pytest.mark.parametrize("past_the_end", ["envelope", "http"])
def test_range_beyond_the_end_restarts(tmp_path: Path, past_the_end: str) -> None:
    dest = tmp_path / "r1.mp4"
    sink = LocalFileSink(dest)
    with sink.open_append() as f:
        f.write(b"x" * 10)
    server = ContentServer(
        content=b"abc", sha=hashlib.sha256(b"abc").hexdigest(), past_the_end=past_the_end
    )
    got = fetch(platform_with(server), dest, listing=False)
    assert dest.read_bytes() == b"abc" and got.size == 3
    assert server.ranges == ["bytes=10-", None]


def test_corrupt_content_fails_verification_and_leaves_nothing(tmp_path: Path) -> None:
    server = ContentServer(content=CONTENT[:-4] + b"TAIL")
    dest = tmp_path / "r1.mp4"
    with pytest.raises(IntegrityError, match="failed verification"):
        fetch(platform_with(server), dest)
    assert not dest.exists() and not LocalFileSink(dest).partial.exists()


def test_pieces_that_do_not_match_get_one_fresh_try(tmp_path: Path) -> None:
    dest = tmp_path / "r1.mp4"
    sink = LocalFileSink(dest)
    with sink.open_append() as f:
        f.write(b"garbage!" * 100)  # an old partial of some other content
    server = ContentServer()
    fetch(platform_with(server), dest)
    assert dest.read_bytes() == CONTENT
    assert server.ranges == ["bytes=800-", None]


def test_header_sha_is_used_without_a_listing(tmp_path: Path) -> None:
    got = fetch(platform_with(ContentServer()), tmp_path / "f.csv", listing=False)
    assert got.sha256 == SHA


def test_without_any_sha_nothing_counts_as_present(tmp_path: Path) -> None:
    dest = tmp_path / "f.csv"
    with pytest.raises(ProtocolError, match="cannot verify"):
        fetch(platform_with(ContentServer(sha=None)), dest, listing=False)
    assert not dest.exists()


@pytest.mark.parametrize("status", [200, 409])
def test_refusals_are_typed_and_never_land_in_the_file(tmp_path: Path, status: int) -> None:
    # 200: the envelope, as the platform refuses; its JSON is not the file's content.
    p = FakePlatform()
    p.script("GET", PATH, refuse(codes.NOT_READY, "not yet", status=status))
    dest = tmp_path / "r1.mp4"
    with pytest.raises(NotReady):
        fetch(p, dest)
    assert not dest.exists() and not LocalFileSink(dest).partial.exists()


def test_expired_token_is_renewed_for_downloads(tmp_path: Path) -> None:
    p = FakePlatform()
    p.script("GET", PATH, refuse(codes.TOKEN_EXPIRED, "expired"), ContentServer())
    fetch(p, tmp_path / "r1.mp4")
    assert len(p.calls("POST", "/oauth2/access_token")) == 2


def test_partial_permissions_are_tightened(tmp_path: Path) -> None:
    dest = tmp_path / "r1.mp4"
    partial = LocalFileSink(dest).partial
    partial.write_bytes(CONTENT[:10])
    os.chmod(partial, 0o644)
    fetch(platform_with(ContentServer()), dest)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
