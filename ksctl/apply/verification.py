"""The SMS verification that closing live needs, reused across runs while it is valid.

The platform remembers each write under its idempotency key and answers a repeated key
with its first answer. Keys that derive from the plan change with every new plan, so a
resumed apply (a new plan) used to send a new SMS and verify again, spending quota and a
person's attention. The send and the verify are therefore keyed on what they verify: the
account and its version. Sending and verifying leave the version as it is, so a later run
that finds the account unchanged repeats the same two requests: no new SMS is sent, and the
verify returns the ticket it returned before, still valid on the platform if it is.

When the earlier verification cannot be used (its code or ticket expired, or was used, or
no code could be had for it), the verification is done afresh with the plan's keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ksctl.apply.reconcile import AccountContext, Waiting
from ksctl.engine.action import Action
from ksctl.platform.client import WriteResult
from ksctl.platform.errors import IdempotencyConflict, VerificationFailed
from ksctl.platform.keys import idempotency_key
from ksctl.platform.redact import Secret

Keys = Callable[[str], str]
REUSE_FAILED = (VerificationFailed, IdempotencyConflict)


def account_keys(action: Action, ctx: AccountContext) -> Keys:
    """Keys of this verification of this account at its present version."""
    version = ctx.version
    return lambda step: idempotency_key(f"verification@{version}", action.address, step)


def plan_keys(action: Action, ctx: AccountContext) -> Keys:
    return lambda step: ctx.key(action, step)


async def _send(ctx: AccountContext, keys: Keys) -> WriteResult:
    return ctx.took(
        await ctx.client.send_sms(ctx.state.id, idempotency_key=keys("sms"), if_match=ctx.version)
    )


async def _verify(ctx: AccountContext, keys: Keys, sent: WriteResult) -> Secret:
    account = ctx.state.id
    assert ctx.code_source is not None
    code = await ctx.code_source(account, sent.answer.sent_to)
    if code is None:
        raise Waiting(f"no SMS code was given for account {account}")
    verified = ctx.took(
        await ctx.client.verify_sms(
            account, code, idempotency_key=keys("verify"), if_match=ctx.version
        )
    )
    if verified.verification_ticket is None:
        raise RuntimeError("the platform answered no verification ticket")
    return verified.verification_ticket


async def close_live(
    action: Action, ctx: AccountContext, disable: Callable[[Secret], Awaitable[None]]
) -> None:
    """Verify, then `disable` with the ticket; an earlier run's verification of the
    unchanged account is reused while the platform still honours it."""
    keys = account_keys(action, ctx)
    sent = await _send(ctx, keys)
    if not sent.replayed:  # the first verification of this account version
        await disable(await _verify(ctx, keys, sent))
        return
    try:  # an earlier run sent this code: its verification, if still good
        await disable(await _verify(ctx, keys, sent))
        return
    except (*REUSE_FAILED, Waiting):
        pass  # the earlier code or ticket expired or was used, or no code is to be had
    fresh = plan_keys(action, ctx)
    await disable(await _verify(ctx, fresh, await _send(ctx, fresh)))
