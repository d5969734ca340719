"""Reading works from photo/list: the cursor is the smallest photo_id of the last page."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest

from ksctl.openplatform.reader import works_of
from ksctl.platform.errors import ProtocolError
from tests.engine.factory import NOW


class Pages:
    """A photo/list that pages as the real one does, or repeats a page when told to."""

    def __init__(self, ids: list[int], repeat: bool = False) -> None:
        self.ids = sorted(ids, reverse=True)
        self.repeat = repeat
        self.asked: list[Mapping[str, str | int]] = []

    async def get_json(
        self, path: str, params: dict[str, str | int], account_id: str
    ) -> Mapping[str, Any]:
        assert path == "/openapi/photo/list" and int(params["count"]) <= 200
        self.asked.append(dict(params))
        cursor = params.get("cursor")
        left = [i for i in self.ids if self.repeat or cursor is None or i < int(cursor)]
        page = left[: int(params["count"])]
        return {
            "result": 1,
            "video_list": [{"photo_id": str(i), "create_time": 1_700_000_000_000} for i in page],
        }

    def platform_now(self) -> datetime:
        return NOW


def test_every_work_is_read_once_following_the_smallest_id() -> None:
    pages = Pages(list(range(1000, 1450)))
    works = asyncio.run(works_of(pages, "a1"))
    assert len(works) == 450 and len({w.photo_id for w in works}) == 450
    assert [p.get("cursor") for p in pages.asked] == [None, "1250", "1050"]


def test_a_platform_that_repeats_a_page_is_refused_not_followed_forever() -> None:
    with pytest.raises(ProtocolError, match="cursor does not move on"):
        asyncio.run(works_of(Pages(list(range(1000, 1450)), repeat=True), "a1"))
