"""Idempotency keys, derived from the plan and the action rather than drawn at random.

A key that depends only on (plan checksum, action address, step) is the same in a retry
within a run, in a second apply of the same saved plan after a crash, and in a concurrent
apply that raced this one: the platform then returns the first answer and performs the
write once. A new plan (a new checksum) gets new keys, as it should: its writes are new
decisions.
"""

from __future__ import annotations

import hashlib

KEY_PREFIX = "ksctl1-"


def idempotency_key(plan_checksum: str, address: str, step: str = "") -> str:
    """The `Idempotency-Key` of one write of one action of one plan.

    `address` names the action (`3xk9d2a1/cancel_schedule[s1]`); `step` tells apart the
    writes of an action that needs several (`sms_send`, `sms_verify`, `disable`). The
    result is 71 printable ASCII characters, whatever the inputs hold (ids, CJK titles).
    """
    if not plan_checksum or not address:
        raise ValueError("an idempotency key needs a plan checksum and an action address")
    material = "\x1f".join((plan_checksum, address, step)).encode("utf-8")
    return KEY_PREFIX + hashlib.sha256(material).hexdigest()
