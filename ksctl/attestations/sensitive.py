"""Text that must never reach an attestation, a checklist or any output: phone numbers and
SMS codes (tokens never come near here, but their usual shapes are refused as well)."""

from __future__ import annotations

import re

# A mainland mobile number, also written with spaces or dashes (138 0000 1234), or with +86.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)")
# A verification code: six digits standing alone (dates and times have separators).
_CODE = re.compile(r"(?<![\d.:/-])\d{6}(?![\d.:/-])")
_TOKEN = re.compile(r"\b(?:kst|vt|ksa|ksr)_[A-Za-z0-9_-]{8,}|\b[A-Za-z0-9_-]{32,}\b")


def why_sensitive(text: str) -> str | None:
    """Why `text` may not be recorded, or None when it is safe."""
    if _PHONE.search(text):
        return "it looks like it holds a phone number"
    if _CODE.search(text):
        return "it holds a six-digit number that could be an SMS code"
    if _TOKEN.search(text):
        return "it looks like it holds a token or a secret"
    return None
