"""`ksctl confirm`: attest a step done in the app, as a record for review in git."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import click

from ksctl.attestations.sensitive import why_sensitive
from ksctl.attestations.store import (
    CONFIRMABLE,
    SAFE,
    Attestation,
    EvidenceRef,
    parse_step,
    record,
    repository_root,
)
from ksctl.errors import KsctlError


def platform_now(workdir: Path) -> datetime:
    """The platform's clock: the embedded sandbox's is virtual, a real one is this machine's."""
    from ksctl.compose import platform_now as now_of
    from ksctl.compose import resolve_target

    return now_of(resolve_target(os.environ, workdir))


def _evidence(path: Path) -> EvidenceRef:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    if why := why_sensitive(path.name):
        raise KsctlError(f"--evidence {path.name}: refused: {why}")
    return EvidenceRef(file=path.name, sha256=digest.hexdigest(), size_bytes=size)


STEPS = "\n".join(f"  {t.value:<22} {what}" for t, what in CONFIRMABLE.items())


@click.command(
    epilog="\b\nSteps (ACTION):\n" + STEPS + "\n\nBackups are proven by their file instead: "
    "ksctl evidence add."
)
@click.argument("account")
@click.argument("action", metavar="ACTION")
@click.option("--by", "by", required=True, metavar="NAME", help="Who did or checked the step.")
@click.option("--note", metavar="TEXT", help="What was seen (no phone number, no SMS code).")
@click.option(
    "--evidence",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file that shows it (a screenshot): its name and sha256 are recorded, not its content.",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="The configuration repository (default: the git repository of the working folder).",
)
def confirm(
    account: str, action: str, by: str, note: str | None, evidence: Path | None, repo: Path | None
) -> None:
    """Attest that ACTION was done on ACCOUNT in the app (a record under attestations/).

    ACTION is a step of the plan, e.g. disable_live or enable_feature[short_video_tipping].
    The record is what refresh reads as the account's state on a platform whose API cannot
    see it; it counts until it is older than KSCTL_ATTESTATION_MAX_AGE (default 30d).
    Commit it and have it reviewed like the configuration.
    """
    if not SAFE.fullmatch(account):
        raise KsctlError(f"refusing account {account!r}: letters, digits, '_' and '-' only")
    type_, target = parse_step(action)
    for name, value in (("--by", by), ("--note", note or "")):
        if why := why_sensitive(value):
            raise KsctlError(f"{name}: refused: {why} (attestations are reviewed in git)")
    root = repository_root(repo or Path.cwd())
    item = Attestation(
        account=account,
        action=type_,
        target=target,
        by=by.strip(),
        at=platform_now(Path.cwd()),
        note=note.strip() if note else None,
        evidence=_evidence(evidence) if evidence else None,
    )
    path = record(root, item)
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    click.echo(
        f"recorded {shown}: {account} {item.step} {item.describe()}; "
        "commit it for review like the configuration"
    )
