"""Test doubles for the platform client: a fake clock and a scriptable fake platform.

The fake platform is an `httpx.MockTransport` handler that speaks the envelope, issues
tokens and lets each test script the answers of the paths it cares about.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx

from ksctl.platform.client import PlatformClient
from ksctl.platform.retry import RetryPolicy

SH = timezone(timedelta(hours=8))
T = TypeVar("T")

Handler = Callable[[httpx.Request], httpx.Response]


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion (the suite does not depend on an asyncio plugin)."""
    return asyncio.run(coro)


class FakeClock:
    """Monotonic and wall time that move only when the client sleeps."""

    def __init__(self, wall: datetime | None = None) -> None:
        self.t = 0.0
        self.wall = wall or datetime(2026, 11, 25, 10, 0, tzinfo=SH)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.wall + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


def ok(
    payload: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.Response(
        status,
        json={"result": 1, **(payload or {})},
        headers={"X-Request-Id": "req-ok", **(headers or {})},
    )


def refuse(
    code: int, msg: str = "refused", *, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A refusal as the real platform answers it: HTTP 200, the code in the body (`status`
    for a server that sends one)."""
    return httpx.Response(
        status,
        json={"result": code, "error_msg": msg, "request_id": "req-9"},
        headers={"X-Request-Id": "req-9", **(headers or {})},
    )


def account_json(account_id: str = "3xk9d2a1", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": account_id,
        "name": "潮牌服饰旗舰店",
        "kind": "enterprise",
        "org": "org_fashion",
        "parent": None,
        "version": "7",
        "phone_masked": "138****1234",
        "live": {"permission": "enabled", "closed_at": None, "streaming": False},
        "ban": None,
        "certification": {"live_certified": True, "blue_v": True},
        "quality_streamer": True,
        "contract": None,
        "schedules": [],
        "schedules_truncated": False,
        "replays": [],
        "replays_truncated": False,
        "interactions": {
            "days": 90,
            "viewer_phone_numbers": 120,
            "exportable": True,
            "exportable_until": None,
        },
        "monetization": {"short_video_tipping": "disabled", "shopping_cart": "enabled"},
        "open_work": {"export_job": None, "gift_ledger_ticket": None, "takedown_appeal": None},
        "access": {"write": True, "reason": None},
    }
    base.update(over)
    return base


def write_json(account_id: str = "3xk9d2a1", changed: bool = True, **extra: Any) -> dict[str, Any]:
    return {"changed": changed, "account": account_json(account_id), **extra}


class FakePlatform:
    """A scriptable platform behind `httpx.MockTransport`.

    `script(method, path, *responses)` queues answers (a Response, an exception to raise,
    or a callable taking the request); the last one repeats. Unscripted paths answer 404.
    Every request is recorded in `requests` (the token fetch too).
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.scripts: dict[tuple[str, str], deque[Any]] = defaultdict(deque)
        self.tokens = (f"tok-{n:04d}-secretish" for n in itertools.count(1))
        self.token_answers: deque[Any] = deque()

    def script(self, method: str, path: str, *answers: Any) -> None:
        self.scripts[(method, path)].extend(answers)

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth2/access_token":
            if self.token_answers:
                return self._answer(self.token_answers.popleft(), request)
            return ok({"access_token": next(self.tokens), "expires_in": 172800})
        queue = self.scripts.get((request.method, request.url.path))
        if not queue:
            return refuse(410001, f"no route {request.url.path}", status=404)
        answer = queue.popleft() if len(queue) > 1 else queue[0]
        return self._answer(answer, request)

    @staticmethod
    def _answer(answer: Any, request: httpx.Request) -> httpx.Response:
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def make_client(
    platform: FakePlatform | httpx.AsyncBaseTransport,
    *,
    clock: FakeClock | None = None,
    retry: RetryPolicy | None = None,
    **kw: Any,
) -> PlatformClient:
    transport = platform.transport() if isinstance(platform, FakePlatform) else platform
    return PlatformClient(
        "http://platform.test",
        app_id="demo_app",
        app_secret="demo_secret_value",
        transport=transport,
        clock=clock or FakeClock(),
        rng=random.Random(7),
        retry=retry or RetryPolicy(),
        **kw,
    )


def query(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


def body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None
