"""`ksctl sandbox ...`: manage the sandbox world in `.ksctl/` of the working directory.

Errors are one line each (`file:line:col: message` for world files, `ksctl: error: ...`
otherwise) and exit 1; no traceback reaches the user.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ksctl.errors import ConfigError
from ksctl.sandbox.clock import parse_duration
from ksctl.sandbox.embedded import embedded_store, sandbox_path
from ksctl.sandbox.meta import NotSeeded
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import load_world

F = TypeVar("F", bound=Callable[..., Any])
HOME_KEY = "ksctl.sandbox.home"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _fail(message: str) -> None:
    click.echo(f"ksctl: error: {message}", err=True)
    raise click.exceptions.Exit(1)


def _one_line_errors(command: F) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.exceptions.Exit(1) from None
        except BrokenPipeError:  # the reader went away: the CLI ends quietly
            raise
        except (NotSeeded, ValueError, KeyError, OSError) as exc:
            _fail(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc))

    return wrapper  # type: ignore[return-value]


def _home() -> Path:
    return click.get_current_context().meta.get(HOME_KEY, Path("."))


def _store() -> Store:
    return embedded_store(_home())


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder whose .ksctl/ holds the sandbox.",
)
@click.pass_context
def sandbox(ctx: click.Context, home: Path) -> None:
    """Manage the sandbox platform (the embedded default target)."""
    ctx.meta[HOME_KEY] = home


@sandbox.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_one_line_errors
def seed(file: Path) -> None:
    """Replace the sandbox world with the one FILE describes (see docs/rehearsal.md)."""
    world = load_world(file)
    store = Store(sandbox_path(_home()))
    store.seed(world)
    click.echo(
        f"seeded {len(world.accounts)} accounts and {len(world.apps)} apps into {store.path}; "
        f"clock at {world.platform.now.isoformat()}"
    )


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port to listen on (0: any free port).",
)
@_one_line_errors
def serve(host: str, port: int) -> None:
    """Serve the sandbox over HTTP (uvicorn) for other processes and tools."""
    import uvicorn

    from ksctl.sandbox.app import create_app

    store = _store()
    if host not in LOOPBACK:
        click.echo(
            f"ksctl: warning: listening on {host}: the sandbox has no real security", err=True
        )
    click.echo(f"sandbox world {store.path} served at http://{host}:{port} (Ctrl-C stops)")
    # No access log: query strings carry access tokens and app secrets.
    uvicorn.run(create_app(store), host=host, port=port, access_log=False, log_level="warning")


@sandbox.command()
@_one_line_errors
def reset() -> None:
    """Back to the last seeded world: clock, accounts, logs."""
    store = _store()
    store.reset()
    click.echo(f"sandbox reset; clock at {store.now().isoformat()}")


@sandbox.command()
@click.option(
    "--advance", "advance", metavar="DURATION", help="Move the clock forward: 31d, 12h, 90m."
)
@_one_line_errors
def clock(advance: str | None) -> None:
    """Print the sandbox clock (virtual: it stands still until advanced)."""
    store = _store()
    now = store.advance(parse_duration(advance)) if advance else store.now()
    click.echo(now.isoformat())


@sandbox.command()
@click.option(
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="How many of the latest codes to show.",
)
@_one_line_errors
def sms(limit: int) -> None:
    """The last verification codes sent, newest first (the sandbox stands in for the phones)."""
    inbox = list(reversed(_store().sms_inbox()))[:limit]
    if not inbox:
        click.echo("no codes sent")
    for message in inbox:
        state = "used" if message["used"] else f"valid until {message['expires_at']}"
        click.echo(
            f"{message['sent_at']}  {message['account_id']}  {message['phone_masked']}  "
            f"{message['code']}  ({state})"
        )


@sandbox.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json (one list) for scripts.",
)
@_one_line_errors
def writes(fmt: str) -> None:
    """The committed-write log: every write that changed something, oldest first."""
    log = _store().writes()
    if fmt == "json":
        click.echo(json.dumps(log, ensure_ascii=False, indent=2))
        return
    if not log:
        click.echo("no writes")
    for w in log:
        click.echo(
            f"{w['at']}  {w['app_id']}  {w['account_id']}  {w['operation']}  "
            f"{w['target'] or '-'}  key={w['idempotency_key']}"
        )


# The account holder's side of the authorization-code flow: consent and revoke.
from ksctl.sandbox import consent as _consent  # noqa: E402, F401  (registers its commands)
from ksctl.sandbox import person_cli  # noqa: E402,F401  (registers act and export)
