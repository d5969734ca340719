"""A request the platform refuses: a result code from the table, a message, extra headers."""

from __future__ import annotations

from ksctl.contract import codes


class Refusal(Exception):
    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}

    @property
    def http_status(self) -> int:
        return codes.describe(self.code).http_status
