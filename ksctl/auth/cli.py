"""`ksctl auth login|status|logout`: each account's own authorization (OAuth code flow)."""

from __future__ import annotations

import json
import sys

import click


@click.group()
def auth() -> None:
    """Per-account authorization: the account holder approves the app, ksctl keeps the tokens.

    Tokens are kept in .ksctl/tokens (mode 0600) or the store KSCTL_TOKEN_STORE names (a
    path or an fsspec URL such as s3://bucket/ci/tokens), encrypted with KSCTL_TOKEN_KEY when
    it is set. No token is ever printed.
    """


def _now(line: str, *, err: bool) -> None:
    # The account holders act on these lines while the command waits: never buffered.
    click.echo(line, err=err)
    (sys.stderr if err else sys.stdout).flush()


def _notice(notice: str | None) -> None:
    if notice:
        click.echo(notice, err=True)


@auth.command()
@click.argument("accounts", nargs=-1, required=True)
@click.option(
    "--listen",
    default="127.0.0.1:0",
    show_default=True,
    metavar="HOST:PORT",
    help="Loopback address of the one-shot callback server (port 0: any free port).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds to wait for the account holders.",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="A scope to ask for (repeatable; default user_base and user_account_manage).",
)
def login(accounts: tuple[str, ...], listen: str, timeout: float, scopes: tuple[str, ...]) -> None:
    """Authorize ACCOUNT... : print one authorization URL per account, then wait.

    Each account's holder opens its URL, logs in and approves; the platform redirects to a
    callback on this machine's loopback, which checks the state, exchanges the code and
    stores the tokens. Exit 0 when every account is authorized, 1 otherwise.
    """
    from ksctl.auth import flow, service

    results = service.login(
        accounts,
        listen=listen,
        timeout=timeout,
        scopes=tuple(scopes) or flow.DEFAULT_SCOPES,
        show=lambda line: _now(line, err=False),
        note=lambda line: _now(line, err=True),
    )
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(1)


@auth.command()
@click.argument("accounts", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Try each token on the platform (renews expired access tokens, finds revoked ones).",
)
def status(accounts: tuple[str, ...], fmt: str, check: bool) -> None:
    """Each account's authorization: ok, expiring, expired, revoked or missing.

    Without ACCOUNT, every account with stored tokens for the target. Shows the open_id,
    scopes and when the access and refresh tokens expire; never a token.
    """
    from ksctl.auth import service

    rows, notice = service.status(accounts, check=check)
    _notice(notice)
    if fmt == "json":
        click.echo(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
    else:
        click.echo(service.render_status(rows))


@auth.command()
@click.argument("accounts", nargs=-1, required=True)
def logout(accounts: tuple[str, ...]) -> None:
    """Forget the stored tokens of ACCOUNT... (the holder cancels the grant itself in the app)."""
    from ksctl.auth import service

    done, notice = service.logout(accounts)
    _notice(notice)
    for account, had in done:
        click.echo(f"{account}: {'tokens forgotten' if had else 'had no stored tokens'}")
