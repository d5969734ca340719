"""YAML in, pydantic models out, every problem located as `file:line:col`.

PyYAML composes the node tree (with the C loader where available); we build the data from
it ourselves so that we can refuse duplicate keys (PyYAML keeps the last one silently),
bound what aliases may expand to, and remember where each value came from.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ksctl.errors import ConfigError, Problem

Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 16 * 1024 * 1024  # a configuration; a large fleet splits across a folder
MAX_NODES = 1_000_000  # after alias expansion: a "billion laughs" stops here
# A plain document holds a value in no fewer than a few bytes (the benchmark's worlds: 15),
# so a large file may hold one value per 8 of its bytes: it scales with the file, which no
# plain file meets, and aliases cannot expand a small file past MAX_NODES.
BYTES_PER_NODE = 8
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class Located:
    """A document's data, with the mark of every value (and of every mapping key)."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False, **kw: Any) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, message, **kw)


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Builder:
    def __init__(self, located: Located, loader: Any, max_nodes: int = MAX_NODES) -> None:
        self.loc = located
        self.loader = loader
        self.nodes = 0
        self.max_nodes = max_nodes
        self.merged: dict[int, int] = {}
        self.problems: list[Problem] = []

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _TooBig(f"more than {self.max_nodes:,} values", counted=True)
        if depth > MAX_DEPTH:
            raise _TooBig(f"nesting deeper than {MAX_DEPTH} levels", self._mark(node))
        self.loc.values.setdefault(path, self._mark(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        """A scalar's value; a value its tag cannot hold (a 13th month, a 5,000-digit int,
        `!!float x`) is a located problem, not a crash of PyYAML's constructor."""
        try:
            return self.loader.construct_object(node)
        except (ValueError, TypeError, OverflowError) as exc:
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise _TooBig(
                f"{dotted(path) or 'document'}: not a valid {tag}: {' '.join(str(exc).split())}",
                self._mark(node),
            ) from None

    def _merged_size(self, node: yaml.MappingNode) -> int:
        """How many pairs the mapping has once its merge keys (<<) are flattened, counted
        without flattening (PyYAML's flattening doubles a `<<: [*m, *m]` chain per level)."""
        known = self.merged.get(id(node))
        if known is not None:
            return known
        self.merged[id(node)] = 0  # a merge that refers back to itself adds nothing
        total = 0
        for key_node, value_node in node.value:
            if key_node.tag != "tag:yaml.org,2002:merge":
                total += 1
                continue
            merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            total += sum(self._merged_size(m) for m in merged if isinstance(m, yaml.MappingNode))
        self.merged[id(node)] = total
        return total

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        if self._merged_size(node) > self.max_nodes:
            raise _TooBig(
                f"merge keys (<<) expand to more than {self.max_nodes:,} values", self._mark(node)
            )
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # YAML merge keys (<<): merged pairs come first
        merged = len(node.value) - own
        out: dict[Any, Any] = {}
        first: dict[Any, tuple[int, int]] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = self._mark(key_node)
                self.problems.append(
                    Problem(
                        self.loc.file,
                        line,
                        col,
                        f"{dotted(path) or 'document'}: a key must be a "
                        "plain value, not a list or mapping",
                    )
                )
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, str | int | bool | float) or key is None:
                key = str(key)
            line, col = self._mark(key_node)
            if index < merged:  # merged in: the mapping's own keys override it
                self.loc.keys[(*path, key)] = (line, col)
                out[key] = self.build(value_node, (*path, key), depth + 1)
                continue
            if key in first:
                self.problems.append(
                    Problem(
                        self.loc.file,
                        line,
                        col,
                        f"duplicate key '{key}' (first at {first[key][0]}:{first[key][1]}); "
                        "YAML would silently keep only the last one",
                    )
                )
                continue
            first[key] = (line, col)
            self.loc.keys[(*path, key)] = (line, col)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out


class _TooBig(Exception):
    def __init__(
        self, message: str, mark: tuple[int, int] = (1, 1), *, counted: bool = False
    ) -> None:
        super().__init__(message)
        self.mark = mark
        self.counted = counted  # the value count passed MAX_NODES


def _too_many(text: str, exc: _TooBig) -> str:
    # Only a document with aliases can be blamed on them; a large one is just large.
    if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=Loader)):
        return f"the document expands to {exc} (aliases that expand exponentially?)"
    return (
        f"the document holds {exc}: split the accounts across several files of a folder "
        "(a folder PATH reads every *.yaml in it)"
    )


def _decode(file: str, raw: bytes, max_bytes: int = MAX_BYTES) -> str:
    if len(raw) > max_bytes:
        raise ConfigError(
            [
                Problem(
                    file,
                    1,
                    1,
                    f"file is larger than {max_bytes // 2**20} MiB; "
                    "is this really a configuration?",
                )
            ]
        )
    if b"\0" in raw:
        raise ConfigError([Problem(file, 1, 1, "binary file, not YAML text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            [Problem(file, line, col, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")]
        ) from None
    return text


def parse(file: str, raw: bytes, *, max_bytes: int = MAX_BYTES) -> Located:
    """Parse one YAML document into data with marks; raise ConfigError on any problem."""
    text = _decode(file, raw, max_bytes)
    located = Located(file, None)
    try:
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            builder = _Builder(located, loader, max(MAX_NODES, len(raw) // BYTES_PER_NODE))
            if node is not None:
                located.data = builder.build(node, ())
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ConfigError([Problem(file, line, col, f"invalid YAML: {message}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            [Problem(file, 1, 1, f"invalid YAML: {' '.join(str(exc).split())}")]
        ) from None
    except _TooBig as exc:
        message = _too_many(text, exc) if exc.counted else str(exc)
        raise ConfigError([Problem(file, *exc.mark, message)]) from None
    except RecursionError:
        raise ConfigError([Problem(file, 1, 1, "nesting too deep")]) from None
    if builder_problems := (builder.problems if node is not None else []):
        raise ConfigError(builder_problems)
    return located


def _read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes, in chunks: `read(limit)` reserves the whole limit up front,
    which a 1 GiB world limit turns into 1 GiB for a 17 MiB file."""
    chunks: list[bytes] = []
    left = limit
    while left > 0 and (chunk := handle.read(min(left, 1 << 22))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read(path: Path, display: str | None = None, *, max_bytes: int = MAX_BYTES) -> Located:
    """Read and parse `path`; I/O errors become one-line problems too."""
    name = display or str(path)
    try:
        with path.open("rb") as handle:  # never more than the limit: /dev/zero has no end
            raw = _read_at_most(handle, max_bytes + 1)
    except IsADirectoryError:
        raise ConfigError([Problem(name, 1, 1, "is a folder, expected a YAML file")]) from None
    except OSError as exc:
        raise ConfigError([Problem(name, 1, 1, f"cannot read: {exc.strerror or exc}")]) from None
    return parse(name, raw, max_bytes=max_bytes)


# ---- pydantic errors, located ------------------------------------------------------------


def _unwrap(annotation: Any) -> Iterator[type[BaseModel]]:
    """Model classes reachable from an annotation (through Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is None:
        return
    for arg in typing.get_args(annotation):
        yield from _unwrap(arg)


def _fields_at(model: type[BaseModel], path: Path_) -> list[str]:
    """Field names of the model found at `path` under `model` (for "did you mean")."""
    models = [model]
    for part in path:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:
            info = m.model_fields.get(str(part))
            if info is not None:
                nxt.extend(_unwrap(info.annotation))
        models = nxt or models
    names: list[str] = []
    for m in models:
        names.extend(m.model_fields)
    return names


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validation_problems(
    located: Located, exc: ValidationError, model: type[BaseModel], base: Path_ = ()
) -> list[Problem]:
    """One located, human problem per pydantic error."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = (*base, *err["loc"])
        kind = err["type"]
        where = dotted(loc) or "document"
        if kind == "extra_forbidden":
            key = loc[-1]
            known = _fields_at(model, err["loc"][:-1])
            hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            message = f"{dotted(loc[:-1]) or 'document'}: unknown key '{key}'"
            message += (
                f"; did you mean '{hint[0]}'?"
                if hint
                else (f" (expected one of: {', '.join(known)})" if known else "")
            )
            problems.append(located.problem(loc, message, key=True))
            continue
        if kind == "missing":
            problems.append(located.problem(loc[:-1], f"{where}: required but missing"))
            continue
        problems.append(located.problem(loc, f"{where}: {_message(err)}"))
    return problems


def _message(err: Any) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "model_type":
        return f"expected a mapping (got {_describe(value)})"
    if kind == "string_pattern_mismatch" and err["loc"][-1:] == ("id",):
        return f"must be a platform account id, letters and digits only (got {_describe(value)})"
    message = f"{err['msg']} (got {_describe(value)})"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        message += "; quote it to make it a string"
    if kind == "enum" and isinstance(value, bool):
        message += "; YAML reads yes/no/on/off as booleans: write one of the words above"
    return message


def load_yaml_model(
    path: Path, model: type[M], display: str | None = None, *, max_bytes: int = MAX_BYTES
) -> M:
    """Read `path` and validate it as `model`; raise ConfigError with every problem found."""
    located = read(path, display, max_bytes=max_bytes)
    if located.data is None:
        raise ConfigError([Problem(located.file, 1, 1, "empty file: expected a YAML mapping")])
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(located, exc, model)) from None
