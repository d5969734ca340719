"""HTTP routes of the real open platform's user endpoints (the open_platform profile)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ksctl.contract.open_platform import (
    MAX_COUNT,
    PhotoCountAnswer,
    PhotoInfoAnswer,
    PhotoListAnswer,
    UserInfoAnswer,
)
from ksctl.sandbox import open_platform
from ksctl.sandbox.app import _respond
from ksctl.sandbox.dispatch import Kind

router = APIRouter()
TAGS: list[str | object] = ["open platform"]


@router.get(
    "/openapi/user_info",
    operation_id="userInfo",
    response_model=UserInfoAnswer,
    tags=TAGS,
)
async def user_info(request: Request) -> Response:
    """The name, fans and avatar of the account whose access token the call carries."""
    return await _respond(request, Kind.read, "user_info", open_platform.user_info)


@router.get(
    "/openapi/photo/count",
    operation_id="photoCount",
    response_model=PhotoCountAnswer,
    tags=TAGS,
)
async def photo_count(request: Request) -> Response:
    """How many works the account has (public, friends only, private, all)."""
    return await _respond(request, Kind.read, "photo_count", open_platform.photo_count)


@router.get(
    "/openapi/photo/list",
    operation_id="photoList",
    response_model=PhotoListAnswer,
    tags=TAGS,
)
async def photo_list(
    request: Request,
    cursor: Annotated[
        str | None,
        Query(max_length=64, description="the smallest photo_id of the previous page"),
    ] = None,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT)] = 20,
) -> Response:
    """The account's works, newest first."""
    return await _respond(
        request,
        Kind.read,
        "photo_list",
        lambda c: open_platform.photo_list(c, cursor, count),
    )


@router.get(
    "/openapi/photo/info",
    operation_id="photoInfo",
    response_model=PhotoInfoAnswer,
    tags=TAGS,
)
async def photo_info(
    request: Request, photo_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> Response:
    """One work of the account."""
    return await _respond(
        request, Kind.read, "photo_info", lambda c: open_platform.photo_info(c, photo_id)
    )
