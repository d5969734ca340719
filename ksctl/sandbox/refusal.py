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
    def modelled_status(self) -> int:
        """The HTTP status a world with `refusal_status: modelled` sends (else 200)."""
        return codes.describe(self.code).modelled_status
