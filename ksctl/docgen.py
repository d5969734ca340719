"""The configuration reference (docs/configuration.md), generated from the models.

Every key, its type (enum values, constraints), its default and its description come from
`ksctl.config.model`, so the reference cannot drift from what `ksctl validate` accepts.
`ksctl docs` prints or writes it; a test fails when the checked-in copy is stale.
"""

from __future__ import annotations

import types
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ksctl.config.model import AccountEntry, AccountSpec, ConfigFile

DEFAULT_PATH = Path("docs") / "configuration.md"
COMMAND = "ksctl docs --out docs/configuration.md"

HEADER = f"""\
<!-- Generated from ksctl/config/model.py by `{COMMAND}`: do not edit by hand. -->

# Configuration reference

A configuration file is YAML: a `version`, optional `defaults`, and a list of `accounts`.
`ksctl validate`, `plan` and `apply` take files or folders (a folder is every `*.yaml` under
it, hidden folders skipped), so a repository can split its accounts across files.

- **A setting left unsaid is left alone**: ksctl manages only what the configuration states.
  That is why every account setting below is optional and has no default.
- `defaults` is merged deeply into every account *of its own file*; what the account says
  wins.
- Unknown keys are errors (with a "did you mean" when one is close); every problem is one
  line, `file:line:col: message`.
- The JSON Schema of this format is `schemas/accounts.schema.json` (written by `ksctl
  schema`); a first line `# yaml-language-server: $schema=<path to it>` lets editors
  complete and check the file.

```yaml
version: 1
defaults:
  live: {{permission: disabled, closure: soft}}
  schedules: cleared
  backups: {{interactions: present, gift_ledger: present, replays: present,
            destination: "s3://example-backups/kuaishou"}}
accounts:
  - id: "3xk9d2a1"
    name: 潮牌服饰旗舰店
    live: {{closure: hard, copyright_proof: "国作登字-2026-F-00123456"}}
```
"""


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without `| None`, whether None was allowed)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) != len(get_args(annotation))
    return annotation, False


def _constraints(metadata: list[Any]) -> list[str]:
    out = []
    for item in metadata:
        pattern = getattr(item, "pattern", None)
        if pattern:
            out.append(f"matching `{pattern}`")
        low, high = getattr(item, "min_length", None), getattr(item, "max_length", None)
        if low and high:
            out.append(f"{low} to {high} characters")
        elif high:
            out.append(f"at most {high} characters")
        elif low:
            out.append(f"at least {low} characters")
    return out


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def type_text(annotation: Any, metadata: list[Any] | None = None) -> str:
    """A short Markdown rendering of a field's type, from its annotation."""
    annotation, _ = _unwrap_optional(annotation)
    extra = list(metadata or ())
    if get_origin(annotation) is Annotated:
        base, *more = get_args(annotation)
        return type_text(base, extra + list(more))
    if get_origin(annotation) is Literal:
        return " | ".join(_code(v) for v in get_args(annotation))
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return f"list of {type_text(item)}s"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " | ".join(_code(member.value) for member in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    if annotation is bool:
        return "`true` | `false`"
    if annotation is str:
        return ", ".join(["string", *_constraints(extra)])
    return f"`{getattr(annotation, '__name__', annotation)}`"


def default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return _code(field.default_factory())  # type: ignore[call-arg]
    if field.default is None:
        return "unset"
    return _code(field.default)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _title(model: type[BaseModel]) -> str:
    return TITLES.get(model, model.__name__)


def _anchor(model: type[BaseModel]) -> str:
    """The id GitHub gives the model's heading."""
    kept = "".join(c for c in _title(model).lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


TITLES: dict[type[BaseModel], str] = {
    ConfigFile: "The file",
    AccountEntry: "An account",
    AccountSpec: "Account settings",
}


def _table(model: type[BaseModel], prefix: str, skip: frozenset[str] = frozenset()) -> list[str]:
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        described = " ".join(t for t in (field.description, _see(field.annotation)) if t)
        lines.append(
            f"| `{prefix}{name}` | {_cell(type_text(field.annotation, field.metadata))}"
            f" | {default_text(field)} | {_cell(described)} |"
        )
    return lines


def _see(annotation: Any) -> str:
    """A link to the section of the model a field holds (directly or as list items)."""
    inner, _ = _unwrap_optional(annotation)
    if get_origin(inner) is list:
        (inner,) = get_args(inner)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return f"See [{_title(inner)}](#{_anchor(inner)})."
    return ""


def _nested(model: type[BaseModel]) -> list[tuple[str, type[BaseModel]]]:
    """(field name, model) of the fields that are themselves models, in field order."""
    out = []
    for name, field in model.model_fields.items():
        inner, _ = _unwrap_optional(field.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.append((name, inner))
    return out


def render_reference() -> str:
    """docs/configuration.md as it must read for the current models."""
    own = frozenset(AccountEntry.model_fields) - frozenset(AccountSpec.model_fields)
    parts = [HEADER]
    parts += ["## The file", "", *_table(ConfigFile, ""), ""]
    parts += [
        "## An account",
        "",
        "Each entry of `accounts`: its `id` and `name`, and any of the "
        "[account settings](#account-settings).",
        "",
        *_table(AccountEntry, "", skip=frozenset(AccountSpec.model_fields)),
        "",
    ]
    parts += [
        "## Account settings",
        "",
        "Valid in `defaults` and in each account (the account wins).",
        "",
        *_table(AccountSpec, "", skip=own),
        "",
    ]
    for name, model in _nested(AccountSpec):
        parts += [f"### {name}", ""]
        if model.__doc__ and model.__doc__ != BaseModel.__doc__:
            parts += [" ".join(model.__doc__.split()), ""]
        parts += [*_table(model, f"{name}."), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def _register_titles() -> None:
    for name, model in _nested(AccountSpec):
        TITLES.setdefault(model, name)


_register_titles()


def write_reference(path: Path = DEFAULT_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_reference(), encoding="utf-8")
    return path


def is_stale(path: Path = DEFAULT_PATH) -> bool:
    try:
        return path.read_text(encoding="utf-8") != render_reference()
    except FileNotFoundError:
        return True
