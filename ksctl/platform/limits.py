"""The limits ksctl puts on an endpoint, so that no answer can exhaust the machine or hang
a command (docs/limits.md).

- every JSON answer is read streaming and stopped at `max_response_bytes`;
- every request has a total deadline (`request_timeout`), not only a per-chunk one: a
  server that drips a byte every few seconds never times out chunk by chunk;
- every download stops at its listed size and has a deadline that scales with its size:
  `download_grace` seconds plus the time the size takes at `download_min_rate` bytes/s.

Each limit is a setting (an environment variable) so an operator can raise it for an
endpoint that legitimately needs more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ksctl.errors import KsctlError

ENV_MAX_RESPONSE = "KSCTL_MAX_RESPONSE_BYTES"
ENV_REQUEST_TIMEOUT = "KSCTL_REQUEST_TIMEOUT"
ENV_DOWNLOAD_MIN_RATE = "KSCTL_DOWNLOAD_MIN_RATE"
ENV_DOWNLOAD_GRACE = "KSCTL_DOWNLOAD_GRACE"

MiB = 1 << 20
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_SIZE = re.compile(r"(?i)^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$")


class LimitError(KsctlError):
    """A limit setting that is not a usable value."""


def parse_size(name: str, text: str) -> int:
    """`33554432`, `32M`, `32MiB`, `512k` → bytes; anything else is a one-line LimitError."""
    m = _SIZE.fullmatch(text)
    if not m or int(m.group(1)) == 0:
        raise LimitError(
            f"{name}={text.strip()[:40]!r} is not a size: a positive number of bytes, "
            "optionally with K, M or G (e.g. 32M)"
        )
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def parse_seconds(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise LimitError(f"{name}={text.strip()[:40]!r} is not a positive number of seconds")
    return value


def human_bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Limits:
    """What ksctl accepts from an endpoint. The defaults stay well above any legitimate
    answer (a 200-account page is about 1 MiB) and any working network."""

    max_response_bytes: int = 32 * MiB
    request_timeout: float = 60.0
    download_min_rate: int = 64 << 10  # bytes per second, averaged over the whole download
    download_grace: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        """The defaults, overridden by whichever settings `env` holds."""
        d = cls()

        def get(name: str) -> str | None:
            value = env.get(name, "")
            return value if value.strip() else None

        size = get(ENV_MAX_RESPONSE)
        timeout = get(ENV_REQUEST_TIMEOUT)
        rate = get(ENV_DOWNLOAD_MIN_RATE)
        grace = get(ENV_DOWNLOAD_GRACE)
        return cls(
            max_response_bytes=parse_size(ENV_MAX_RESPONSE, size) if size else d.max_response_bytes,
            request_timeout=(
                parse_seconds(ENV_REQUEST_TIMEOUT, timeout) if timeout else d.request_timeout
            ),
            download_min_rate=(
                parse_size(ENV_DOWNLOAD_MIN_RATE, rate) if rate else d.download_min_rate
            ),
            download_grace=parse_seconds(ENV_DOWNLOAD_GRACE, grace) if grace else d.download_grace,
        )

    def download_deadline(self, size: int | None) -> float:
        """Seconds a whole download of `size` bytes may take (size unknown: the grace only)."""
        return self.download_grace + (size or 0) / self.download_min_rate


class ResponseTooLarge(Exception):
    """An answer passed the cap; `Session` turns it into a ProtocolError with the path."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = cap

    def describe(self, what: str) -> str:
        return (
            f"{what}: the answer passed the cap of {human_bytes(self.cap)} on a response "
            f"({ENV_MAX_RESPONSE}); stopped reading it"
        )


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The body of a streamed `response`, read chunk by chunk and stopped past `cap` bytes.

    Counted after content decoding, so a compressed answer cannot inflate past the cap
    either. A Content-Length over the cap is refused before any byte is read.
    """
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > cap:
        raise ResponseTooLarge(cap)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > cap:
            raise ResponseTooLarge(cap)
    return bytes(body)
