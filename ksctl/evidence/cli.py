"""`ksctl evidence add ACCOUNT interactions|gift_ledger|replay:ID FILE`."""

from __future__ import annotations

import getpass
import os
import subprocess
from pathlib import Path

import click

from ksctl.attestations.sensitive import why_sensitive
from ksctl.errors import KsctlError


def _operator() -> str:
    """Who is uploading: git's user.name where set, else the login name."""
    try:
        name = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()


@click.group()
def evidence() -> None:
    """Backups a person exported in the app, checked and stored as verified backups."""


@evidence.command("add")
@click.argument("account")
@click.argument("kind", metavar="interactions|gift_ledger|replay:ID")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", metavar="NAME", help="Who exported it (default: git user.name).")
@click.option(
    "--config",
    "paths",
    multiple=True,
    metavar="PATH",
    help="The configuration naming the account and its backup destination (default: .).",
)
def add(account: str, kind: str, file: Path, by: str | None, paths: tuple[str, ...]) -> None:
    """Check FILE, the export the app gave for ACCOUNT, and store it as its backup.

    interactions: the 数据中心 → 直播记录 CSV (date,danmaku,likes,peak_viewers) covering the
    account's lives of the last 3 months up to today or to when live was closed.
    gift_ledger: the CSV 客服 delivers (time,viewer,gift,count,kuaibi). replay:ID: the
    video of that replay (MP4, Matroska or FLV, of a plausible size).
    Stored in the account's backup destination with a manifest (sha256, size, source
    "operator upload", by whom, time range), it counts as present and verified exactly
    like an API download. A wrong file is refused with one line saying why.
    """
    from ksctl.evidence.add import add_evidence, parse_kind
    from ksctl.evidence.history import account_history

    parsed = parse_kind(kind)
    who = (by or _operator()).strip()
    if why := why_sensitive(who):
        raise KsctlError(f"--by: refused: {why}")
    workdir = Path.cwd()
    history, destination = account_history(account, paths, workdir, os.environ)
    manifest = add_evidence(
        account,
        parsed,
        file,
        by=who,
        history=history,
        destination=destination,
        workdir=workdir,
    )
    span = ""
    if manifest.range_start and manifest.range_end and parsed.target is None:
        span = f", {manifest.range_start.date()} to {manifest.range_end.date()}"
    click.echo(
        f"stored {parsed} of {account} in {destination} ({manifest.size_bytes} bytes, "
        f"sha256 {manifest.sha256[:12]}{span}); it counts as a verified backup"
    )
