"""Keeping secrets out of every output: logs, error messages and reprs.

Two layers, because neither is enough alone:

- values the client knows are secret (the app secret, tokens it received, SMS codes and
  verification tickets it handled) are registered with a `Redactor` and replaced verbatim
  wherever they appear;
- patterns catch what was never registered: `access_token=` and friends in URLs, the same
  keys in JSON or Python reprs, and mainland mobile numbers.

`Secret` wraps a value so that printing, logging or repr-ing the holder shows `***`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

MASK = "***"

# Keys whose values are secret wherever they appear (query strings, JSON, reprs).
# (A bare `code` is left out: it names result codes everywhere; SMS codes the client handles
# are registered by value instead.)
SECRET_KEYS = (
    "app_secret",
    "access_token",
    "refresh_token",
    "verification_ticket",
    "sms_code",
    "phone",
    "password",
    "token",
    "secret",
)

_KEYS = "|".join(SECRET_KEYS)
# key=value in URLs and form bodies; the value stops at a separator.
_QUERY = re.compile(rf"(?i)\b({_KEYS})=([^&\s\"'<>]+)")
# "key": "value" (JSON) and 'key': 'value' (Python reprs), also key='value' (dataclass reprs).
_QUOTED = re.compile(rf"(?i)([\"']?\b(?:{_KEYS})\b[\"']?\s*[:=]\s*)([\"'])(.*?)(\2)")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
# Mainland mobile numbers, optionally with +86; not a run of digits inside a longer number.
_PHONE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?![\d])")

# Shorter values would blank out ordinary words and numbers in messages.
_MIN_SECRET_LEN = 4


def mask_phone(number: str) -> str:
    """`13800001234` → `138****1234`, the way the platform itself shows a bound phone."""
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", number)


class Secret:
    """A string that never shows itself: `str`, `repr` and f-strings give `***`.

    Call `reveal()` at the one place the real value is needed (the wire).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value. Use only to put it on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


class Redactor:
    """Replaces registered secret values and secret-looking patterns in text."""

    def __init__(self, secrets: Iterable[str | Secret] = ()) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        for s in secrets:
            self.add(s)

    def add(self, value: str | Secret | None) -> None:
        """Remember `value` as secret from now on (too short a value is ignored)."""
        raw = value.reveal() if isinstance(value, Secret) else value
        if raw and len(raw) >= _MIN_SECRET_LEN:
            with self._lock:
                self._secrets.add(raw)

    def __call__(self, text: str) -> str:
        """`text` with every known secret and secret-looking pattern masked."""
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        for value in known:  # longest first, so a secret containing another goes whole
            text = text.replace(value, MASK)
        return redact(text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"


def redact(text: str) -> str:
    """`text` with secret-looking patterns masked (no registered values: see `Redactor`)."""
    text = _QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _QUOTED.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(4)}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return mask_phone(text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the final message of every record it sees.

    Attach it to handlers (a filter on a logger does not see its children's records).
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Tracebacks carry messages (and URLs) too; render and redact them now.
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        return True
