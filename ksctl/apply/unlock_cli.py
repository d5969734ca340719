"""`ksctl force-unlock LOCK_ID`: release an apply lock whose run is gone (Terraform's manner)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ksctl.apply.lock import (
    UnlockRefused,
    describe_holder,
    force_unlock,
    holder_alive_here,
    lock_path,
    read_holder,
)


def _interactive() -> bool:
    return sys.stdin.isatty()


@click.command("force-unlock")
@click.argument("lock_id")
@click.option("--force", is_flag=True, help="Do not ask for confirmation.")
def force_unlock_command(lock_id: str, force: bool) -> None:
    """Release the apply lock of this working directory, when its run is gone.

    LOCK_ID is the id that `ksctl apply` names when it refuses to start because another
    apply holds the lock (`ksctl force-unlock LOCK_ID`); a wrong id is refused. Only for a
    run that is really gone (a CI runner that was killed, a machine that died): two
    applies at once could each write what the other is writing. Exit 0 released, 1 not.
    """
    home = Path.cwd() / ".ksctl"
    holder = read_holder(lock_path(home))
    if holder is not None and holder.get("id") == lock_id and not force:
        alive = holder_alive_here(holder)
        if not _interactive():
            raise UnlockRefused("no terminal to confirm on: pass --force to release the lock")
        question = f"Release the apply lock held by {describe_holder(holder)}?" + (
            " That process is still running on this host." if alive else ""
        )
        if not click.confirm(question, err=True):
            raise UnlockRefused("not confirmed; the lock is still held")
    released = force_unlock(home, lock_id)
    click.echo(f"Released the apply lock {lock_id} ({describe_holder(released)}).", err=True)
