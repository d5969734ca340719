"""Streaming downloads that survive interruptions and never leave a half file behind.

Bytes go to a partial next to the destination (`.<name>.part`). After an interruption the
download resumes from the partial's size with `Range: bytes=<n>-`, within this run or a
later one. Only when the whole content is there and its size and sha256 match does the
partial become the file (fsync, then rename), so a file at the destination is always
whole and verified. Files are 0600: backups hold viewers' data.

Where the bytes go is a `DownloadSink`; `LocalFileSink` writes to a local path. Other
destinations (fsspec) can implement the same few methods.

A download is bounded (docs/limits.md): a byte past the size it was listed with is an
error for that file (the partial is removed), and the whole download, resumes included,
must finish within a deadline that scales with its size.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from ksctl.platform.errors import (
    IntegrityError,
    NetworkError,
    ProtocolError,
    RangeNotSatisfiable,
    RateLimited,
    TransientError,
)
from ksctl.platform.limits import ENV_DOWNLOAD_MIN_RATE, Limits, human_bytes
from ksctl.platform.retry import Budget
from ksctl.safefs import UnsafePath, open_nofollow

log = logging.getLogger("ksctl.platform")

CHUNK = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class Appender(Protocol):
    """A partial opened for appending; closing it makes the bytes durable."""

    def write(self, data: bytes) -> int: ...

    def __enter__(self) -> Appender: ...

    def __exit__(self, *exc: object) -> None: ...


class DownloadSink(Protocol):
    """A destination for one download: a final object and a resumable partial."""

    def describe(self) -> str:
        """Where the file goes, for messages."""
        ...

    def verified(self, size: int, sha256: str) -> bool:
        """Whether the final object exists with this size and sha256."""
        ...

    def offset(self) -> int:
        """How many bytes the partial holds (0 without one)."""
        ...

    def open_append(self) -> Appender:
        """The partial, opened for appending (created empty if missing)."""
        ...

    def digest(self) -> tuple[int, str]:
        """Size and sha256 of the partial."""
        ...

    def restart(self) -> None:
        """Drop the partial: the next bytes start a new one."""
        ...

    def commit(self) -> None:
        """Make the partial the final object, atomically."""
        ...


def file_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file, read in chunks (never through a symbolic link)."""
    h = hashlib.sha256()
    size = 0
    with os.fdopen(open_nofollow(path, os.O_RDONLY), "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def verify_file(path: Path, size: int, sha256: str) -> bool:
    """Whether `path` is a file of exactly `size` bytes with this sha256."""
    try:
        st = path.lstat()  # a link is never a verified file, whatever it points at
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return False
        return file_digest(path)[1] == sha256.lower()
    except (OSError, UnsafePath):
        return False


class _SyncingFile:
    """A file opened for appending that fsyncs on close, so a resume trusts its bytes."""

    def __init__(self, fd: int) -> None:
        self._f = os.fdopen(fd, "ab")

    def write(self, data: bytes) -> int:
        return self._f.write(data)

    def close(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()

    def __enter__(self) -> _SyncingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalFileSink:
    """A local file; the partial is `.<name>.part` in the same directory (same filesystem,
    so the final rename is atomic)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(f".{self.path.name}.part")

    def describe(self) -> str:
        return str(self.path)

    def verified(self, size: int, sha256: str) -> bool:
        return verify_file(self.path, size, sha256)

    def offset(self) -> int:
        try:
            st = self.partial.lstat()
        except FileNotFoundError:
            return 0
        if stat.S_ISLNK(st.st_mode):  # planted: its target's size means nothing here
            open_nofollow(self.partial, os.O_RDONLY)  # raises UnsafePath, one line
        return st.st_size

    def open_append(self) -> Appender:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = open_nofollow(self.partial, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a partial left by an older run may have other bits
        return _SyncingFile(fd)

    def digest(self) -> tuple[int, str]:
        if not self.partial.exists():
            return 0, hashlib.sha256().hexdigest()
        return file_digest(self.partial)

    def restart(self) -> None:
        self.partial.unlink(missing_ok=True)

    def commit(self) -> None:
        fd = open_nofollow(self.partial, os.O_RDONLY)
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        os.replace(self.partial, self.path)
        # The rename is durable only once the directory entry is on disk.
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def __repr__(self) -> str:
        return f"LocalFileSink({str(self.path)!r})"


@dataclass(frozen=True)
class Downloaded:
    """A verified file at `location`. `fetched` is False when it was already there."""

    location: str
    size: int
    sha256: str
    fetched: bool = True
    resumes: int = 0


OpenStream = Callable[[dict[str, str]], AbstractAsyncContextManager[httpx.Response]]


class _Deadline:
    """The deadline of one whole download; known only roughly until its size is."""

    def __init__(self, limits: Limits, size: int | None) -> None:
        self.limits = limits
        self.start = asyncio.get_running_loop().time()
        self.size = size
        self.timeout = asyncio.timeout_at(self.start + limits.download_deadline(size))

    def sized(self, size: int) -> None:
        if size != self.size:
            self.size = size
            self.timeout.reschedule(self.start + self.limits.download_deadline(size))

    def error(self, sink: DownloadSink) -> NetworkError:
        allowed = self.limits.download_deadline(self.size)
        return DownloadTimedOut(
            f"the download to {sink.describe()} did not finish within {allowed:.0f}s "
            f"(at least {human_bytes(self.limits.download_min_rate)}/s for "
            f"{self.size if self.size is not None else 'an unknown number of'} bytes, "
            f"{ENV_DOWNLOAD_MIN_RATE}); stopped at byte {sink.offset()}, run again to resume"
        )


class DownloadTimedOut(NetworkError):
    """A whole download passed its deadline; not retried within this run."""


async def download(
    open_stream: OpenStream,
    sink: DownloadSink,
    *,
    budget: Budget,
    size: int | None = None,
    sha256: str | None = None,
    limits: Limits | None = None,
) -> Downloaded:
    """Fetch content into `sink`, resuming after interruptions; verify, then commit.

    `open_stream(headers)` opens the authenticated GET (see `Session.stream`). `size` and
    `sha256` are what the caller expects (from the platform's listing); missing ones are
    taken from the answer's headers. Without any sha256 the file cannot be verified and
    the download fails. The retry budget counts failures without progress: a download that
    keeps advancing is never given up, within the download's deadline (`limits`).
    """
    if size is not None and sha256 and await asyncio.to_thread(sink.verified, size, sha256):
        return Downloaded(sink.describe(), size, sha256.lower(), fetched=False)
    deadline = _Deadline(limits or Limits(), size)
    try:
        async with deadline.timeout:
            return await _download(open_stream, sink, budget, size, sha256, deadline)
    except TimeoutError:
        if not deadline.timeout.expired():
            raise
        raise deadline.error(sink) from None


async def _download(
    open_stream: OpenStream,
    sink: DownloadSink,
    budget: Budget,
    size: int | None,
    sha256: str | None,
    deadline: _Deadline,
) -> Downloaded:
    resumes = 0
    pieced = sink.offset() > 0  # content from more than one GET (or an earlier run)
    fresh_retry_used = False
    while True:
        offset = sink.offset()
        if size is not None and offset > size:
            sink.restart()
            offset = 0
        try:
            if size is None or offset < size or size == 0:
                size, sha256, ok = await _fetch(open_stream, sink, offset, size, sha256, deadline)
                if not ok:  # the server could not serve our range: start over
                    sink.restart()
                    continue
        except (TransientError, RateLimited) as err:
            if sink.offset() > offset:
                budget.progress()  # it advanced: the interruption costs no attempt
                resumes += 1
                pieced = True
            wait = budget.next_delay(getattr(err, "retry_after", None))
            if wait is None:
                raise
            log.info(
                "download to %s interrupted at byte %d (%s); resuming in %.2fs",
                sink.describe(),
                sink.offset(),
                err,
                wait,
            )
            await budget.clock.sleep(wait)
            continue
        if sha256 is None:
            raise ProtocolError(f"no sha256 known for {sink.describe()}: cannot verify it")
        got_size, got_sha = await asyncio.to_thread(sink.digest)
        if got_size == size and got_sha == sha256.lower():
            await asyncio.to_thread(sink.commit)
            return Downloaded(sink.describe(), got_size, got_sha, resumes=resumes)
        sink.restart()
        if pieced and not fresh_retry_used:
            # The pieces may not belong together (the content changed between them):
            # one fresh download from byte 0 settles it.
            fresh_retry_used = True
            pieced = False
            continue
        raise IntegrityError(
            f"download to {sink.describe()} failed verification: got {got_size} bytes "
            f"sha256 {got_sha[:12]}…, expected {size} bytes sha256 {sha256[:12]}…"
        )


async def _fetch(
    open_stream: OpenStream,
    sink: DownloadSink,
    offset: int,
    size: int | None,
    sha256: str | None,
    deadline: _Deadline,
) -> tuple[int | None, str | None, bool]:
    """One GET from `offset` into the sink: (size, sha256, False if it must start over).

    A body that ends before `size` without a transport error is an interruption too; one
    that goes past it is an error for the file, and the partial is removed.
    """
    # Identity encoding: byte ranges must count the bytes that land in the file.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        async with open_stream(headers) as response:
            total = _total_size(response, offset)
            if offset and response.status_code == 200:
                sink.restart()  # the server ignored Range and sends everything
            elif offset and response.status_code == 206 and _range_start(response) != offset:
                return size, sha256, False
            if size is None:
                size = total
            if size is None:
                raise ProtocolError(
                    f"no size known for {sink.describe()} (none listed, no Content-Length): "
                    "refusing an unbounded download"
                )
            deadline.sized(size)
            header_sha = response.headers.get("X-Content-SHA256")
            if sha256 is None and header_sha:
                sha256 = header_sha.lower()
            have = 0 if response.status_code == 200 else offset
            over = False
            with sink.open_append() as out:
                # No chunk size: a fixed one would hold bytes back, and lose them on a cut.
                async for chunk in response.aiter_bytes():
                    if have + len(chunk) > size:
                        over = True  # not one byte past the listed size reaches the disk
                        break
                    out.write(chunk)
                    have += len(chunk)
            if over:
                sink.restart()
                raise IntegrityError(
                    f"the content for {sink.describe()} ran past its listed size of {size} "
                    "bytes: stopped and removed the partial"
                )
        if size is not None and sink.offset() < size:
            raise NetworkError(
                f"the content for {sink.describe()} ended early, at byte {sink.offset()} of {size}"
            )
        return size, sha256, True
    except RangeNotSatisfiable:  # the partial is longer than the file now
        return size, sha256, False


def _range_start(response: httpx.Response) -> int | None:
    m = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    return int(m.group(1)) if m else None


def _total_size(response: httpx.Response, offset: int) -> int | None:
    m = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    if m and m.group(3) != "*":
        return int(m.group(3))
    length = response.headers.get("Content-Length")
    if length is None or not length.isdigit():
        return None
    return int(length) + (offset if response.status_code == 206 else 0)
