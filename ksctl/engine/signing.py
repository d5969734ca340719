"""Signed plans: with `KSCTL_PLAN_KEY` set, `plan --out` adds an HMAC-SHA256 of the
canonical plan, and `apply` refuses a plan file that is unsigned or whose signature does
not match. The checksum only detects an accident: anyone can edit a plan and seal it again
with ksctl's own code; only a holder of the key can sign one. Without the key nothing
changes. The key is never printed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from ksctl.engine.plan import Plan
from ksctl.errors import KsctlError

ENV_KEY = "KSCTL_PLAN_KEY"
PREFIX = "hmac-sha256:"


class SignatureRefused(KsctlError):
    """A plan file that the configured key did not sign (exit 4, before any write)."""

    exit_code = 4


class EmptyKey(KsctlError):
    """KSCTL_PLAN_KEY set to nothing."""


def plan_key(env: Mapping[str, str]) -> bytes | None:
    """The signing key, or None when signing is off. Set but empty is a mistake (a CI
    secret that did not resolve), not a way to switch signing off."""
    if ENV_KEY not in env:
        return None
    key = env[ENV_KEY]
    if not key.strip():
        raise EmptyKey(f"{ENV_KEY} is set but empty: set the key, or unset it")
    return key.encode("utf-8")


def signature_of(plan: Plan, key: bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for chunk in plan.canonical():
        mac.update(chunk)
    return PREFIX + mac.hexdigest()


def sign(plan: Plan, env: Mapping[str, str]) -> Plan:
    """The plan signed with the key of `env`; unchanged when no key is set."""
    key = plan_key(env)
    if key is None:
        return plan
    return plan.model_copy(update={"signature": signature_of(plan, key)})


def check_signature(plan: Plan, env: Mapping[str, str]) -> None:
    """Refuse a saved plan the key of `env` did not sign; nothing to check without a key."""
    try:
        key = plan_key(env)
    except EmptyKey as exc:
        raise SignatureRefused(str(exc)) from None
    if key is None:
        return
    if plan.signature is None:
        raise SignatureRefused(
            f"the plan is not signed and {ENV_KEY} is set: make it with ksctl plan --out "
            "under the same key"
        )
    if not hmac.compare_digest(plan.signature, signature_of(plan, key)):
        raise SignatureRefused(
            f"the plan's signature does not match {ENV_KEY}: it was changed after it was "
            "signed, or signed with another key; plan again"
        )
