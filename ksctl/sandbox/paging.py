"""Opaque cursors: base64url JSON, so clients treat them as tokens and we may change them."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ksctl.contract import codes
from ksctl.sandbox.refusal import Refusal

MAX_COUNT = 200


def encode(position: dict[str, Any]) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


def decode(cursor: str | None, field: str, kind: type) -> Any:
    """The `field` of a cursor made by `encode`, or None for the first page."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))[field]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError):
        raise Refusal(codes.BAD_REQUEST, "invalid cursor") from None
    if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 0):
        raise Refusal(codes.BAD_REQUEST, "invalid cursor")
    return value


def page(items: list[Any], cursor: str | None, count: int) -> tuple[list[Any], str | None]:
    """Offset paging over a short list (schedules, replays, a batch of ids)."""
    offset = decode(cursor, "offset", int) or 0
    chunk = items[offset : offset + count]
    more = offset + count < len(items)
    return chunk, encode({"offset": offset + count}) if more else None
