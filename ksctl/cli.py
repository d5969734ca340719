"""The command line: each command parses its options and calls one function."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from ksctl import __version__
from ksctl.apply.unlock_cli import force_unlock_command
from ksctl.auth.cli import auth
from ksctl.completion import SHELLS
from ksctl.errors import ConfigError, KsctlError, one_line

if TYPE_CHECKING:
    from ksctl.app.plan import PlanOptions
    from ksctl.apply.events import JsonEvents

EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose pipe closed


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test runner's buffer)
        pass


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class KsctlGroup(click.Group):
    """Turns known errors into one line each (never a traceback) and their exit code.

    Command groups that live with their subsystem are `lazy`: imported when they run, so
    that `ksctl --help` and every other command start without them (the sandbox alone
    brings httpx, pydantic and its world models: seconds on a loaded machine)."""

    # name -> ("module:attribute", its one-line help, shown by --help without the import)
    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            import importlib

            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        rows = []
        for name in names:
            if name not in self.commands and name in self.lazy:
                # A stand-in command shortens the help as click does (public API in every
                # click; click.utils.make_default_short_help is deprecated from 8.5).
                stand_in = click.Command(name, help=self.lazy[name][1])
                rows.append((name, stand_in.get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            ctx.exit(exc.exit_code)
        except KsctlError as exc:
            click.echo(f"ksctl: error: {exc}", err=True)
            ctx.exit(getattr(exc, "exit_code", 1))
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (ksctl/signals.py)
            from ksctl import signals

            click.echo(
                "ksctl: terminated" if signals.terminated() else "ksctl: interrupted", err=True
            )
            ctx.exit(signals.exit_code())
        except BrokenPipeError:  # `ksctl ... | head`: the reader had enough; say nothing
            _silence_stdout()
            ctx.exit(EXIT_PIPE)
        except OSError as exc:  # the machine said no (read-only, disk full): not a bug
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(one_line(f"ksctl: error: {where}{exc.strerror or exc}"), err=True)
            ctx.exit(1)
        except Exception as exc:  # a bug: still one line, unless asked for the traceback
            if os.environ.get("KSCTL_DEBUG"):
                raise
            click.echo(
                one_line(f"ksctl: internal error: {type(exc).__name__}: {exc}")
                + " (set KSCTL_DEBUG=1 for the traceback)",
                err=True,
            )
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
@click.option(
    "--out",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write into.",
)
def schema(folder: Path) -> None:
    """Write the JSON Schemas (and the platform's OpenAPI document) under schemas/."""
    from ksctl.schema import write_schemas

    for path in write_schemas(folder):
        click.echo(f"wrote {path}")


FORMATS = click.Choice(["text", "markdown", "json", "checklist"])


def _notice(text: str | None) -> None:
    if text:
        click.echo(text, err=True)


def _color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (JSON) for `ksctl apply PLANFILE` and `ksctl show`.",
)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for people, markdown for a pull-request comment, json for scripts, checklist "
    "for the people doing the steps in the app.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to change, 2 when there are changes.",
)
@click.option(
    "--target", "targets", multiple=True, metavar="ID", help="Plan only this account (repeatable)."
)
@click.option("--no-color", is_flag=True, help="No colour (also NO_COLOR, or when piped).")
@click.option(
    "--max-close-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Safety: closing live on a larger share of the accounts needs --force.",
)
@click.option(
    "--max-close-count",
    type=click.IntRange(0),
    default=50,
    show_default=True,
    help="Safety: closing live on more accounts than this needs --force.",
)
def plan(
    paths: tuple[str, ...],
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    no_color: bool,
    max_close_share: float,
    max_close_count: int,
) -> None:
    """Refresh the accounts, diff them with the configuration and print the plan.

    Exit 0 (with --detailed-exitcode: 0 no changes, 2 changes); 1 on error, also when any
    account's status is error (the whole plan is still printed).
    """
    from ksctl.app.plan import PlanOptions, make_plan, save_plan
    from ksctl.progress import RefreshBar
    from ksctl.render import Format, render

    with RefreshBar() as bar:
        planned = make_plan(
            paths,
            targets=targets,
            options=PlanOptions(max_close_share, max_close_count),
            progress=bar,
        )
    _notice(planned.notice)
    for warning in planned.config_warnings:
        click.echo(str(warning), err=True)
    note = f"the saved plan {out}" if out else None
    text = render(planned.plan, Format(fmt), color=_color(no_color), note=note)
    if out:  # the JSON rendered once when it is both saved and printed
        from ksctl.engine.signing import sign

        signed = sign(planned.plan, os.environ)  # with KSCTL_PLAN_KEY set; else the plan
        json_text = text if Format(fmt) is Format.json and signed is planned.plan else None
        save_plan(signed, out, text=json_text)
    click.echo(text, nl=False)
    if out:
        click.echo(f"Saved the plan to {out}; apply it with: ksctl apply {out}", err=True)
    if planned.plan.has_errors:
        sys.exit(1)
    if detailed_exitcode and planned.plan.has_changes:
        sys.exit(2)


@cli.command()
@click.argument("planfile", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="text for people, markdown for a pull-request comment, json for scripts, checklist "
    "for the people doing the steps in the app.",
)
@click.option("--no-color", is_flag=True, help="No colour (also NO_COLOR, or when piped).")
def show(planfile: Path, fmt: str, no_color: bool) -> None:
    """Render a saved plan (refused if it was edited after it was made)."""
    from ksctl.app.plan import show_plan
    from ksctl.render import Format, render

    click.echo(
        render(
            show_plan(planfile),
            Format(fmt),
            color=_color(no_color),
            note=f"the saved plan {planfile}",
        ),
        nl=False,
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ID",
    help="Apply only to this account (repeatable; not with a saved plan).",
)
@click.option("--force", is_flag=True, help="Apply a plan over the safety thresholds.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Accounts worked on at once.",
)
@click.option(
    "--max-close-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Safety: closing live on a larger share of the accounts needs --force.",
)
@click.option(
    "--max-close-count",
    type=click.IntRange(0),
    default=50,
    show_default=True,
    help="Safety: closing live on more accounts than this needs --force.",
)
@click.option(
    "--json",
    "json_lines",
    is_flag=True,
    help="Progress as JSON lines on stdout (run, account and action events); the plan and "
    "the human summary go to stderr.",
)
def apply(
    paths: tuple[str, ...],
    auto_approve: bool,
    targets: tuple[str, ...],
    force: bool,
    parallelism: int,
    max_close_share: float,
    max_close_count: int,
    json_lines: bool,
) -> None:
    """Converge the accounts: from configuration (plans first) or from a saved PLANFILE.

    Exit 0 converged; 1 error; 3 stopped with work left (quota spent, waiting on the
    platform, a verification missing): run again later; 4 refused before any write
    (stale, expired or unsafe plan without --force, no approval).
    """
    from ksctl.app.plan import PlanOptions
    from ksctl.apply.events import JsonEvents

    events = JsonEvents() if json_lines else None
    try:
        code = run_apply(
            paths,
            auto_approve=auto_approve,
            targets=targets,
            force=force,
            parallelism=parallelism,
            options=PlanOptions(max_close_share, max_close_count),
            events=events,
        )
    except KsctlError as exc:  # refused or failed before the run: still a run_finished
        if events and not events.finished:
            reason = "; ".join(map(str, getattr(exc, "problems", ()))) or str(exc)
            events.run_finished(getattr(exc, "exit_code", 1), reason=reason)
        raise
    sys.exit(code)


def run_apply(
    paths: Sequence[str],
    *,
    auto_approve: bool,
    targets: Sequence[str],
    force: bool,
    parallelism: int,
    options: PlanOptions,
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    events: JsonEvents | None = None,
) -> int:
    """`ksctl apply`: show a plan made now and ask for approval, apply with progress, report;
    the exit code. With `events`, progress goes to them as JSON lines and the plan to stderr."""
    from ksctl.app.apply import execute_apply, prepare_apply
    from ksctl.apply.run import EXIT_OK, Refused
    from ksctl.compose import resolve_target
    from ksctl.progress import Progress, report_lines
    from ksctl.render.text import render_text

    env = os.environ if env is None else env
    target = resolve_target(env, workdir or Path.cwd())
    _notice(target.notice)
    from ksctl.providers import OPEN, provider_name

    if provider_name(env) == OPEN:  # people do the steps: the checklist, exit 3
        from ksctl.openplatform.apply import apply_open

        return apply_open(paths, targets=targets, workdir=workdir, env=env, options=options)
    todo = prepare_apply(paths, target, targets=targets, options=options, env=env, workdir=workdir)
    if not todo.saved:
        plan = todo.plan
        color = sys.stdout.isatty() and "NO_COLOR" not in env and events is None
        click.echo(render_text(plan, color=color), nl=False, err=events is not None)
        if not plan.has_changes:
            code = 1 if plan.has_errors else EXIT_OK
            if events:
                events.run_finished(code, reason="nothing to change")
            return code
        if not auto_approve:
            if not sys.stdin.isatty():
                raise Refused(
                    "no terminal to confirm on: review the plan, then pass --auto-approve"
                )
            if not click.confirm("Apply this plan?", err=True):
                raise Refused("not approved; nothing was changed")
    progress = Progress(todo.accounts, sys.stderr.isatty() and events is None)
    if events:
        events.actions_of({a.id: len(a.actions) for a in todo.plan.accounts})
    try:
        report = execute_apply(
            todo,
            force=force,
            parallelism=parallelism,
            env=env,
            workdir=workdir,
            on_done=events.account_finished if events else progress,
            on_event=events.journal if events else None,
        )
    finally:
        progress.close()
    for line in report_lines(report):
        click.echo(one_line(line), err=True)  # messages quote the platform
    if events:
        events.run_finished(report.exit_code, report.runs, report.journal)
    return report.exit_code


@cli.command("import")
@click.argument("ids", nargs=-1, required=True)
def import_(ids: tuple[str, ...]) -> None:
    """Print the actual state of existing accounts as desired-state YAML.

    What it prints validates and plans to no changes: a starting point for adopting
    ksctl on accounts a team already runs.
    """
    from ksctl.app.imports import import_accounts

    text, notice = import_accounts(ids)
    _notice(notice)
    click.echo(text, nl=False)


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the reference to this file (e.g. docs/configuration.md) instead of printing it.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when the --out file differs from the models.",
)
def docs(out: Path | None, check: bool) -> None:
    """Print the configuration reference (Markdown), generated from the models."""
    from ksctl.docgen import is_stale, render_reference, write_reference

    if check:
        if out is None:
            raise click.UsageError("--check needs --out FILE")
        if is_stale(out):
            click.echo(
                f"ksctl: error: {out} is stale: regenerate it with `ksctl docs --out {out}`",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{out} is up to date")
    elif out:
        click.echo(f"wrote {write_reference(out)}")
    else:
        click.echo(render_reference(), nl=False)


@cli.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(ksctl completion bash)"    in ~/.bashrc (bash 4.4 or newer)
    zsh:   eval "$(ksctl completion zsh)"     in ~/.zshrc, after compinit
    fish:  ksctl completion fish > ~/.config/fish/completions/ksctl.fish
    """
    from ksctl.completion import completion_script

    click.echo(completion_script(cli, shell), nl=False)


def _register_optional() -> None:
    """Command groups that live with their subsystem, imported when they run."""
    KsctlGroup.lazy.update(
        {
            "sandbox": (
                "ksctl.sandbox.commands:sandbox",
                "Manage the sandbox platform (the embedded default target).",
            ),
            "confirm": (
                "ksctl.attestations.cli:confirm",
                "Attest that ACTION was done on ACCOUNT in the app (a record under attestations/).",
            ),
            "evidence": (
                "ksctl.evidence.cli:evidence",
                "Backups a person exported in the app, checked and stored as verified backups.",
            ),
            "report": (
                "ksctl.report.cli:report",
                "Write the fleet report: where every account's closure stands.",
            ),
        }
    )


_register_optional()
cli.add_command(force_unlock_command)
cli.add_command(auth)


def main() -> None:
    """Console entry point."""
    from ksctl import gcpolicy

    gcpolicy.tune()
    from ksctl.signals import terminate_as_interrupt

    terminate_as_interrupt()
    cli(prog_name="ksctl")


if __name__ == "__main__":
    main()
