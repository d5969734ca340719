"""`ksctl sandbox act` and `ksctl sandbox export`: the person in the app, on the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ksctl.sandbox.commands import _one_line_errors, _store, sandbox
from ksctl.sandbox.person import act as do_act
from ksctl.sandbox.person import export as do_export


@sandbox.command("act")
@click.argument("account")
@click.argument("action", metavar="ACTION")
@click.option("--proof", metavar="REF", help="takedown_replays: the copyright proof reference.")
@click.option(
    "--acknowledge-contract-breach",
    is_flag=True,
    help="disable_live: accept the breach of an active MCN contract, as the app asks.",
)
@_one_line_errors
def act(account: str, action: str, proof: str | None, acknowledge_contract_breach: bool) -> None:
    """Do ACTION on ACCOUNT as the person in the app would (no API, no quota).

    ACTION is a plan step: cancel_schedule, purge_viewer_pii, remove_certification,
    disable_live, enable_live, enable_feature[FEATURE], disable_feature[FEATURE],
    request_gift_ledger, takedown_replays. The app's own rules apply: closing live fails
    while a scheduled live is pending.
    """
    said = do_act(
        _store(),
        account,
        action,
        copyright_proof=proof,
        acknowledge_contract_breach=acknowledge_contract_breach,
    )
    click.echo(f"{account}: {said}")


@sandbox.command("export")
@click.argument("account")
@click.argument("kind", metavar="interactions|gift_ledger|replay:ID")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the file.",
)
@_one_line_errors
def export(account: str, kind: str, out: Path) -> None:
    """Write the file the app would give for ACCOUNT: the 数据中心 interaction export, the
    gift ledger 客服 delivered, or a replay's video."""
    data = do_export(_store(), account, kind)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # viewers' data
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {out} ({len(data)} bytes)")
