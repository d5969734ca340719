"""Phone numbers leave the sandbox masked, always: 13800001234 -> 138****1234."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
