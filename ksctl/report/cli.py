"""`ksctl report`: the fleet report, as one self-contained HTML page or as JSON."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click


def write_atomic(path: Path, text: str) -> None:
    """Whole or not at all: a CI step that uploads the report never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the report to this file (e.g. report.html).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "json"]),
    default="html",
    show_default=True,
    help="html: one self-contained page (no network); json: the same data for other tools.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ID",
    help="Report only this account (repeatable).",
)
def report(paths: tuple[str, ...], out: Path, fmt: str, targets: tuple[str, ...]) -> None:
    """Write the fleet report: where every account's closure stands.

    Built from a fresh refresh of the accounts in PATHS (files or folders of *.yaml), the
    journals of past applies in .ksctl/journal and the backup manifests: accounts by state
    and the trend over past applies, a timeline of pending tickets, reviews and export
    deadlines, the write quota, the backups and every risk of loss, and per account what is
    left, why and the next step. Writes nothing to the platform. Exit 0, or 1 on error.
    """
    from ksctl.report.gather import make_report

    built, notice = make_report(paths, targets=targets)
    if notice:
        click.echo(notice, err=True)
    if fmt == "json":
        text = built.to_json()
    else:
        from ksctl.report.html import render_html

        text = render_html(built)
    write_atomic(out, text)
    counts = ", ".join(f"{n} {s.label}" for s, n in built.counts.items() if n)
    click.echo(f"wrote {out}: {len(built.accounts)} account(s) ({counts or 'none'})", err=True)
