"""Idempotency keys are deterministic, distinct per write, and valid on the wire."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ksctl.platform.keys import idempotency_key


def test_same_inputs_same_key() -> None:
    a = idempotency_key("sha256:abc", "3xk9d2a1/disable_live", "sms_send")
    assert a == idempotency_key("sha256:abc", "3xk9d2a1/disable_live", "sms_send")


def test_any_difference_gives_another_key() -> None:
    base = idempotency_key("c1", "3xk9d2a1/disable_live", "disable")
    assert base != idempotency_key("c2", "3xk9d2a1/disable_live", "disable")
    assert base != idempotency_key("c1", "3xk9d2a2/disable_live", "disable")
    assert base != idempotency_key("c1", "3xk9d2a1/disable_live", "sms_send")
    assert base != idempotency_key("c1", "3xk9d2a1/disable_live")
    # the separator keeps ("ab", "c") and ("a", "bc") apart
    assert idempotency_key("c", "ab", "c") != idempotency_key("c", "a", "bc")


def test_inputs_are_required() -> None:
    with pytest.raises(ValueError):
        idempotency_key("", "3xk9d2a1/disable_live")
    with pytest.raises(ValueError):
        idempotency_key("c1", "")


@given(st.text(min_size=1), st.text(min_size=1), st.text())
def test_keys_are_printable_ascii_within_the_limit(checksum: str, address: str, step: str) -> None:
    key = idempotency_key(checksum, address, step)
    assert 1 <= len(key) <= 200
    assert key.isascii() and key.isprintable()
