"""Loading configuration files and folders into one validated `Config`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ksctl.config.checks import check_account
from ksctl.config.model import AccountSpec, ConfigFile, DesiredAccount
from ksctl.errors import ConfigError, Problem, Severity
from ksctl.yamlio import Located, Path_, read, validation_problems

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Origin:
    """Where an account was declared, to point problems at the right line."""

    located: Located
    index: int

    @property
    def file(self) -> str:
        return self.located.file

    def problem(self, path: Path_, message: str, *, severity: Severity = Severity.error) -> Problem:
        """Locate `path` in the account itself, else in its file's defaults, else the account."""
        own = ("accounts", self.index, *path)
        if own in self.located.values:
            return self.located.problem(own, message, severity=severity)
        inherited = ("defaults", *path)
        if inherited in self.located.values:
            return self.located.problem(inherited, message, severity=severity)
        return self.located.problem(("accounts", self.index), message, severity=severity)


@dataclass(frozen=True)
class Config:
    accounts: tuple[DesiredAccount, ...]
    origins: Mapping[str, Origin]
    files: tuple[str, ...]
    warnings: tuple[Problem, ...] = field(default=())

    def account(self, account_id: str) -> DesiredAccount:
        return next(a for a in self.accounts if a.id == account_id)


ATTESTATIONS = "attestations"


def collect_files(paths: Iterable[str]) -> list[tuple[Path, str]]:
    """Files named, and `*.yaml` files found under folders named (hidden ones and the
    attestations/ folder skipped)."""
    found: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            inner = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                # `ksctl confirm`'s records live beside the configuration, but are not it.
                and ATTESTATIONS not in p.relative_to(path).parts[:-1]
            )
            if not inner:
                problems.append(Problem(name, 1, 1, "folder holds no *.yaml file"))
            found.extend((p, str(p)) for p in inner)
        elif path.exists():
            found.append((path, name))
        else:
            problems.append(Problem(name, 1, 1, "no such file or folder"))
    if problems:
        raise ConfigError(problems)
    return found


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` merged into `base`: mappings key by key, anything else replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _load_file(path: Path, display: str) -> tuple[Located, ConfigFile | None, list[Problem]]:
    """The file's data and model; when the model fails, its problems instead."""
    located = read(path, display)
    if located.data is None:
        raise ConfigError(
            [
                Problem(
                    located.file,
                    1,
                    1,
                    "empty file: expected a mapping with 'version' and 'accounts'",
                )
            ]
        )
    try:
        return located, ConfigFile.model_validate(located.data), []
    except ValidationError as exc:
        return located, None, validation_problems(located, exc, ConfigFile)


def _entries(located: Located, parsed: ConfigFile | None) -> list[tuple[int, dict[str, Any]]]:
    """Each account that is valid on its own, with its file's defaults merged in.

    When the file has errors elsewhere, its valid accounts are still checked, so that one
    run reports every problem.
    """
    data = located.data if isinstance(located.data, dict) else {}
    if parsed is not None:
        defaults = parsed.defaults.model_dump(exclude_none=True) if parsed.defaults else {}
        raw = [a.model_dump(exclude_none=True) for a in parsed.accounts]
    else:
        try:
            spec = AccountSpec.model_validate(data.get("defaults") or {})
            defaults = spec.model_dump(exclude_none=True)
        except ValidationError:
            defaults = {}
        raw = data.get("accounts") if isinstance(data.get("accounts"), list) else []
    return [
        (i, deep_merge(defaults, entry)) for i, entry in enumerate(raw) if isinstance(entry, dict)
    ]


def load_config(paths: Iterable[str]) -> Config:
    """Load every file, merge defaults, check; raise ConfigError listing every problem."""
    problems: list[Problem] = []
    accounts: list[DesiredAccount] = []
    origins: dict[str, Origin] = {}
    files = collect_files(paths)
    for path, display in files:
        try:
            located, parsed, file_problems = _load_file(path, display)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(file_problems)
        for index, data in _entries(located, parsed):
            try:
                merged = DesiredAccount.model_validate(data)
            except ValidationError:
                continue  # already reported against the file
            origin = Origin(located, index)
            if merged.id in origins:
                first = origins[merged.id]
                line, col = first.located.where(("accounts", first.index))
                problems.append(
                    origin.problem(
                        ("id",),
                        f"duplicate account id '{merged.id}': also declared at "
                        f"{first.file}:{line}:{col}",
                    )
                )
                continue
            origins[merged.id] = origin
            accounts.append(merged)
            problems.extend(check_account(merged, origin))
    errors = [p for p in problems if p.severity is Severity.error]
    if errors:
        raise ConfigError(problems)
    return Config(tuple(accounts), origins, tuple(d for _, d in files), tuple(sorted(problems)))
