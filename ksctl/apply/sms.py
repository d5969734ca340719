"""Where the SMS code for closing live comes from (a second confirmation: docs/platform-api.md).

In order: `KSCTL_SMS_CODE_COMMAND` (CI: a command that prints the code), the sandbox's
inbox when the target is a sandbox, a hidden prompt on a terminal. With none, the action
waits and the run ends with exit 3. A code is never printed, logged or journalled.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping

import click

from ksctl.platform.redact import Secret
from ksctl.platform.target import SmsInbox

ENV_COMMAND = "KSCTL_SMS_CODE_COMMAND"
CODE = re.compile(r"^\s*(\d{4,8})\s*$")

# (account id, masked phone the code went to) -> the code, or None when none can be had.
CodeSource = SmsInbox


def command_source(command: str, env: Mapping[str, str]) -> CodeSource:
    async def get(account_id: str, sent_to: str | None) -> Secret | None:
        child_env = {**env, "KSCTL_ACCOUNT_ID": account_id, "KSCTL_SMS_SENT_TO": sent_to or ""}
        proc = await asyncio.to_thread(
            subprocess.run,
            shlex.split(command),
            capture_output=True,
            text=True,
            env=child_env,
            timeout=300,
            check=False,
        )
        match = CODE.match(proc.stdout or "")
        if proc.returncode != 0 or not match:
            return None  # its output is not shown: it may hold the code
        return Secret(match.group(1))

    return get


def prompt_source() -> CodeSource:
    lock = asyncio.Lock()  # one prompt at a time across concurrent accounts

    async def get(account_id: str, sent_to: str | None) -> Secret | None:
        async with lock:
            text = await asyncio.to_thread(
                click.prompt,
                f"SMS code sent to {sent_to or 'the bound phone'} of account {account_id}",
                hide_input=True,
                default="",
                show_default=False,
                err=True,
            )
        match = CODE.match(text or "")
        return Secret(match.group(1)) if match else None

    return get


def choose_source(
    env: Mapping[str, str], sandbox_inbox: CodeSource | None, interactive: bool | None = None
) -> CodeSource | None:
    """The first available source, in the documented order; None when there is none."""
    command = env.get(ENV_COMMAND, "").strip()
    if command:
        return command_source(command, env)
    if sandbox_inbox is not None:
        return sandbox_inbox
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stderr.isatty()
    return prompt_source() if interactive else None
