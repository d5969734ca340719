"""The command line: each command parses its options and calls one function."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ksctl import __version__
from ksctl.errors import ConfigError, KsctlError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class KsctlGroup(click.Group):
    """Turns known errors into one line each (never a traceback) and their exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            ctx.exit(1)
        except KsctlError as exc:
            click.echo(f"ksctl: error: {exc}", err=True)
            ctx.exit(getattr(exc, "exit_code", 1))
        except KeyboardInterrupt:
            click.echo("ksctl: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: still one line, unless asked for the traceback
            if os.environ.get("KSCTL_DEBUG"):
                raise
            click.echo(f"ksctl: internal error: {type(exc).__name__}: {exc} "
                       "(set KSCTL_DEBUG=1 for the traceback)", err=True)
            ctx.exit(1)


@click.group(cls=KsctlGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="ksctl")
def cli() -> None:
    """ksctl: declarative state for Kuaishou accounts.

    Keep each account's desired state in YAML; `ksctl plan` shows what would change,
    `ksctl apply` converges the accounts. Without KSCTL_ENDPOINT every command uses the
    embedded sandbox platform in .ksctl/.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check configuration files (schema and semantics); no platform access.

    PATHS are files or folders of *.yaml files (default: the current folder).
    Exit 0 when valid, 1 when not; every problem is one line, file:line:col: message.
    """
    from ksctl.config import load_config

    config = load_config(paths or (".",))
    for warning in config.warnings:
        click.echo(str(warning), err=True)
    files = len(config.files)
    click.echo(f"ok: {len(config.accounts)} account(s) in {files} file{'s' * (files != 1)}")


@cli.command()
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("schemas"), show_default=True, help="Folder to write into.")
def schema(folder: Path) -> None:
    """Write the JSON Schemas (and the platform's OpenAPI document) under schemas/."""
    from ksctl.schema import write_schemas

    for path in write_schemas(folder):
        click.echo(f"wrote {path}")


def _register_optional() -> None:
    """Command groups that live with their subsystem."""
    try:
        from ksctl.sandbox.commands import sandbox
    except ImportError:  # the sandbox is being built alongside; see issue 3
        return
    cli.add_command(sandbox)


_register_optional()


def main() -> None:
    """Console entry point."""
    cli(prog_name="ksctl")


if __name__ == "__main__":
    main()
