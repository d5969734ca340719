"""Downloads honour Range and carry the sha256 of the whole file."""

from __future__ import annotations

import hashlib

import pytest

from ksctl.contract import codes
from ksctl.sandbox.downloads import parse_range
from ksctl.sandbox.refusal import Refusal
from tests.sandbox.driver import Api, accepted

R1 = "/openapi/accounts/main1/replays/r1/content"


def test_whole_replay(api: Api) -> None:
    replay = api.account("main1")["replays"][0]
    answer = api.get(R1)
    assert accepted(answer)
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["Accept-Ranges"] == "bytes"
    assert int(answer.headers["Content-Length"]) == replay["size_bytes"] == 200000
    assert hashlib.sha256(answer.content).hexdigest() == replay["sha256"]
    assert answer.headers["X-Content-SHA256"] == replay["sha256"]


def test_ranges_resume_to_the_same_bytes(api: Api) -> None:
    whole = api.get(R1).content
    head = api.get(R1, headers={"Range": "bytes=0-99999"})
    assert head.status_code == 206
    assert head.headers["Content-Range"] == "bytes 0-99999/200000"
    tail = api.get(R1, headers={"Range": "bytes=100000-"})
    assert tail.headers["Content-Range"] == "bytes 100000-199999/200000"
    assert head.content + tail.content == whole
    last = api.get(R1, headers={"Range": "bytes=-10"})
    assert last.content == whole[-10:]
    clamped = api.get(R1, headers={"Range": "bytes=199990-300000"})
    assert clamped.content == whole[199990:]


def test_a_range_past_the_end_is_refused_in_the_envelope(api: Api) -> None:
    answer = api.get(R1, headers={"Range": "bytes=200000-"})
    assert answer.status_code == 200  # the real platform's way: the code is in the body
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["Content-Range"] == "bytes */200000"
    assert answer.json()["result"] == codes.RANGE_NOT_SATISFIABLE


def test_replay_bytes_are_stable_across_requests(api: Api) -> None:
    assert api.get(R1).content == api.get(R1).content


def test_csv_downloads_honour_ranges_too(api: Api) -> None:
    job = api.post("/openapi/accounts/main1/interactions/export").json()["job"]
    path = f"/openapi/jobs/{job['id']}/content"
    whole = api.get(path).content
    part = api.get(path, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == whole[10:20]
    assert part.headers["X-Content-SHA256"] == job["sha256"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-0", (0, 1)),
        ("bytes=5-", (5, 100)),
        ("bytes=-5", (95, 100)),
        ("bytes=90-200", (90, 100)),
        ("bytes=9-3", None),  # invalid: ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
    ],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(Refusal):
        parse_range(header, 100)
