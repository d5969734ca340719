"""The open_platform sandbox's user endpoints called as an account's own token would.

Until the authorization-code flow is on this branch the sandbox cannot tell which account
a token belongs to; this double hands the account to the sandbox's handlers directly, so
that what they serve, and everything the provider makes of it, is the real code.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ksctl.platform.errors import PlatformError
from ksctl.sandbox import meta, open_platform
from ksctl.sandbox.dispatch import Call, Incoming
from ksctl.sandbox.refusal import Refusal
from ksctl.sandbox.store import Store


@dataclass(frozen=True)
class AccountHolder:
    app_id: str
    user: str


class SandboxCalls:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[tuple[str, str]] = []

    async def get_json(
        self, path: str, params: dict[str, str | int], account_id: str
    ) -> Mapping[str, Any]:
        self.calls.append((path, account_id))
        with self.store.transaction() as conn:
            settings, now = meta.settings(conn), meta.now(conn)
            incoming = Incoming("GET", path, {k: str(v) for k, v in params.items()}, {})
            call = Call(conn, now, settings, uuid.uuid4().hex, incoming)
            call.app_or_none = AccountHolder("demo_app", account_id)  # type: ignore[assignment]
            try:
                if path.endswith("user_info"):
                    answer = open_platform.user_info(call)
                elif path.endswith("photo/count"):
                    answer = open_platform.photo_count(call)
                elif path.endswith("photo/list"):
                    cursor = params.get("cursor")
                    answer = open_platform.photo_list(
                        call, str(cursor) if cursor else None, int(params.get("count", 20))
                    )
                else:
                    answer = open_platform.photo_info(call, str(params["photo_id"]))
            except Refusal as refusal:
                raise PlatformError(refusal.message, code=refusal.code) from None
        return answer.model_dump(mode="json", by_alias=True)

    def platform_now(self) -> datetime:
        return self.store.now()
