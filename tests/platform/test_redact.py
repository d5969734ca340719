"""Secrets never show: registered values, secret-looking patterns, reprs and log records."""

from __future__ import annotations

import logging

import pytest

from ksctl.platform.redact import MASK, RedactingFilter, Redactor, Secret, mask_phone, redact


def test_secret_hides_itself_everywhere() -> None:
    s = Secret("demo_secret_value")
    assert str(s) == MASK
    assert repr(s) == "Secret('***')"
    assert f"{s}" == MASK
    assert "demo_secret_value" not in repr([s, {"k": s}])
    assert s.reveal() == "demo_secret_value"
    assert s == Secret("demo_secret_value") and s != Secret("other")


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("GET /x?app_id=demo_app&access_token=abc123xyz&cursor=", "abc123xyz"),
        ("app_secret=s3cr3t&grant_type=client_credentials", "s3cr3t"),
        ('{"verification_ticket": "vt-998877", "x": 1}', "vt-998877"),
        ("{'access_token': 'tok-1234'}", "tok-1234"),
        ("WriteResult(verification_ticket='vt-1234')", "vt-1234"),
        ('{"sms_code": "482913"}', "482913"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "eyJhbGciOi"),
        ("bound phone 13800001234 on file", "00001234"),
        ("call +86 139-0000 no; +8613912345678", "13912345678"),
    ],
)
def test_patterns_are_masked(text: str, hidden: str) -> None:
    assert hidden not in redact(text)


def test_ordinary_text_survives() -> None:
    text = "account 3xk9d2a1 is banned until 2026-12-31 (platform 400021 live_banned)"
    assert redact(text) == text
    # long digit runs that are not phone numbers (ids, sizes) stay as they are
    assert redact("size 213800001234567 bytes") == "size 213800001234567 bytes"


def test_phone_masked_like_the_platform() -> None:
    assert mask_phone("13800001234") == "138****1234"


def test_redactor_replaces_registered_values() -> None:
    r = Redactor([Secret("demo_secret_value")])
    r.add("482913")  # an SMS code, as the client registers it
    r.add("ab")  # too short to register: would blank ordinary text
    r.add(None)
    out = r("login with demo_secret_value failed; code 482913 rejected; ab")
    assert "demo_secret_value" not in out and "482913" not in out
    assert out.endswith("; ab")
    assert "demo_secret" not in repr(r)


def test_logging_filter_redacts_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("ksctl.test.redact")
    r = Redactor(["tok-000123"])
    flt = RedactingFilter(r)
    caplog.handler.addFilter(flt)
    try:
        logger.warning("sent %s to %s", "tok-000123", "/x?access_token=tok-000123")
        try:
            raise RuntimeError("boom with tok-000123")
        except RuntimeError:
            logger.exception("failed")
    finally:
        caplog.handler.removeFilter(flt)
    assert "tok-000123" not in caplog.text
    assert MASK in caplog.text
