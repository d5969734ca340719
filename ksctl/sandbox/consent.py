"""`ksctl sandbox consent URL` and `revoke ACCOUNT`: the account holder, played by a command.

`consent` opens an authorization URL that `ksctl auth login` printed, logs in as the
account its state names (or `--account`), approves (or, with `--deny`, denies) and follows
the redirect to the loopback callback, so that tests, CI and rehearsals need no browser.
The redirect carries the authorization code: it is followed, never printed.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import click
import httpx

from ksctl.home import EMBEDDED_URL
from ksctl.sandbox.commands import _fail, _home, _one_line_errors, _store, sandbox

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def _transport(url: str, home: Path) -> httpx.AsyncBaseTransport | None:
    if url.startswith(EMBEDDED_URL):
        from ksctl.sandbox.embedded import embedded_transport

        return embedded_transport(home)
    return None  # a served sandbox: over the network


def _refusal_of(page: str) -> str:
    found = re.search(r"<p id='error'>(.*?)</p>", page)
    return found.group(1) if found else "the consent page refused the URL"


async def play(url: str, home: Path, *, deny: bool, account: str | None) -> str:
    """Approve or deny `url` as its account's holder; the one line to print."""
    parts = urlsplit(url)
    if not parts.path.endswith("/oauth2/authorize"):
        raise ValueError("not an authorization URL (…/oauth2/authorize?...)")
    query = dict(parse_qsl(parts.query))
    who = account or query.get("state", "").split(".", 1)[0]
    if not who:
        raise ValueError("the URL's state names no account: say which with --account")
    base = f"{parts.scheme}://{parts.netloc}"
    async with httpx.AsyncClient(
        base_url=base, transport=_transport(url, home), timeout=30.0
    ) as platform:
        page = await platform.get(parts.path, params=query)
        if page.status_code != 200:
            raise ValueError(_refusal_of(page.text))
        decision = {**query, "account": who, "decision": "deny" if deny else "approve"}
        answer = await platform.post(parts.path, data=decision)
    if answer.status_code != 303 or "location" not in answer.headers:
        raise ValueError(_refusal_of(answer.text))
    target = urlsplit(answer.headers["location"])
    if target.scheme != "http" or target.hostname not in LOOPBACK:
        raise ValueError("the redirect leaves loopback: not following it")
    shown = f"{target.scheme}://{target.netloc}{target.path}"  # without the code
    async with httpx.AsyncClient(timeout=60.0) as browser:
        try:
            back = await browser.get(answer.headers["location"])
        except httpx.TransportError:
            raise ValueError(
                f"nothing answers at {shown}: is `ksctl auth login` still waiting?"
            ) from None
    verdict = "denied" if deny else "approved"
    if back.status_code != 200:
        raise ValueError(
            f"{verdict}, but the callback at {shown} refused it (HTTP {back.status_code})"
        )
    return f"{who}: {verdict}; the callback at {shown} took it"


@sandbox.command()
@click.argument("url")
@click.option("--deny", is_flag=True, help="Deny the authorization instead of approving it.")
@click.option("--account", help="Log in as this account (default: the one the state names).")
@_one_line_errors
def consent(url: str, deny: bool, account: str | None) -> None:
    """Play the account holder: approve (or --deny) an authorization URL of `ksctl auth login`.

    Opens the consent page, logs in as the account, answers, and follows the redirect to
    the loopback callback (the code is never printed).
    """
    click.echo(asyncio.run(play(url, _home(), deny=deny, account=account)))


@sandbox.command()
@click.argument("account")
@click.option("--app", "app_id", help="Only this app (default: every app).")
@_one_line_errors
def revoke(account: str, app_id: str | None) -> None:
    """Play the account holder cancelling the app's authorization (in the app's settings).

    Its tokens are refused from then on (100200109), and the app's modelled app-wide grant
    for the account goes too; `ksctl auth login ACCOUNT` authorizes it again.
    """
    lost = _store().revoke(account, app_id)
    if not lost:
        _fail(f"{account} had not authorized {app_id or 'any app'}")
    click.echo(f"{account}: authorization cancelled for {', '.join(lost)}")
