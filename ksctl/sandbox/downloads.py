"""File answers with HTTP Range (one range; RFC 9110 §14) and the content's sha256.

A client resumes an interrupted download with `Range: bytes=N-` and verifies the whole
file against `X-Content-SHA256`; both need the bytes to be the same on every request,
which `content` guarantees.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ksctl.contract import codes
from ksctl.sandbox.dispatch import Outcome
from ksctl.sandbox.refusal import Refusal

RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) of a satisfiable single range; None to send everything.

    Malformed or multi-part ranges are ignored, as RFC 9110 allows; an unsatisfiable
    one is refused with 416.
    """
    if header is None:
        return None
    match = RANGE.match(header)
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(size - length, 0), size
    start = int(first)
    end = size if not last else int(last) + 1
    if last and end <= start:
        return None  # an invalid range is ignored
    if start >= size:
        raise _unsatisfiable(size)
    return start, min(end, size)


def _unsatisfiable(size: int) -> Refusal:
    return Refusal(
        codes.RANGE_NOT_SATISFIABLE,
        f"the range is outside the {size} bytes of the file",
        {"Content-Range": f"bytes */{size}"},
    )


def file_outcome(
    read: Callable[[int, int], bytes],
    size: int,
    sha256: str,
    media_type: str,
    range_header: str | None,
) -> Outcome:
    headers = {"Accept-Ranges": "bytes", "X-Content-SHA256": sha256, "ETag": f'"{sha256}"'}
    wanted = parse_range(range_header, size)
    if wanted is None:
        return Outcome(200, read(0, size), media_type, headers)
    start, end = wanted
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    return Outcome(206, read(start, end), media_type, headers)
