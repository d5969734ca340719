"""Answers of the real open platform's user endpoints, as its documents describe them.

Shared by the client (which parses them) and the sandbox's open_platform profile (which
serves them). Field names are the platform's own (`fan`, `bigHead`, `video_list`...).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_COUNT = 200  # photo/list's `count` limit


class Open(BaseModel):
    # The real platform adds fields over time: an unknown one is no reason to fail a read.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class UserInfo(Open):
    name: str = ""
    sex: str | None = None
    fan: int = Field(0, ge=0)
    follow: int = Field(0, ge=0)
    head: str | None = None
    big_head: str | None = Field(None, alias="bigHead")
    city: str | None = None


class UserInfoAnswer(Open):
    result: int = 1
    user_info: UserInfo


class Photo(Open):
    photo_id: str = Field(min_length=1, max_length=64)
    caption: str = ""
    cover: str | None = None
    play_url: str | None = None
    create_time: int = Field(ge=0, description="milliseconds since the epoch")
    like_count: int = 0
    comment_count: int = 0
    view_count: int = 0
    pending: bool = False


class PhotoListAnswer(Open):
    result: int = 1
    video_list: list[Photo] = []


class PhotoInfoAnswer(Open):
    result: int = 1
    video_info: Photo


class PhotoCountAnswer(Open):
    result: int = 1
    public_count: int = Field(0, ge=0)
    friend_count: int = Field(0, ge=0)
    private_count: int = Field(0, ge=0)
    all_count: int = Field(0, ge=0)


def photo_order(photo_id: str) -> tuple[int, int | str]:
    """Photo ids compare as numbers where they are numbers (the platform's are)."""
    return (0, int(photo_id)) if photo_id.isdigit() else (1, photo_id)
