"""Fuzz the configuration: whatever bytes reach `ksctl validate` and `ksctl plan`, the answer
is exit 0 or one line per problem, never a traceback, a hang or unbounded memory.

In process (CliRunner), for many generated inputs: mutations of the example and fixture
configurations (byte flips, lines deleted or duplicated, key typos, values swapped for other
types, bytes inserted, truncation), random YAML documents built from the configuration's
vocabulary, and pathological files (non-UTF-8, NUL bytes, over 16 MiB, nesting deeper than
64, aliases and merge keys that expand exponentially). In a subprocess, under a 1 GiB
address-space limit and a timeout, the pathological subset again: no hang, bounded memory.

CI runs a fixed, derandomized number of examples; the long run:

    KSCTL_STRESS_EXAMPLES=500 python -m pytest tests/stress -p no:cacheprovider -k fuzz
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apply.conftest import Workspace
from tests.conftest import FIXTURES, ROOT
from tests.stress.support import workspace

EXAMPLES = int(os.environ.get("KSCTL_STRESS_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # Each example runs two commands; large generated documents are the point.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# One problem per line: `file:line:col: message` (warnings say so after the column), or
# `ksctl: ...` (an error without a place, or the one-line notice of the embedded sandbox).
LINE = re.compile(r"^(ksctl: \S.*|[^\s:][^:]*:\d+:\d+: \S.*)$")
VALIDATE_CODES = {0, 1}
PLAN_CODES = {0, 1, 2}  # with --detailed-exitcode: 2 changes; 1 invalid or an account error

CORPUS = sorted(
    {
        *ROOT.glob("examples/*.yaml"),
        *(FIXTURES / "config" / "good").rglob("*.y*ml"),
        *(FIXTURES / "scenarios").glob("*/accounts.yaml"),
        *(FIXTURES / "config" / "broken").glob("*.yaml"),
    }
)
SEEDS = [p.read_bytes() for p in CORPUS]


def assert_one_line_answer(result: Result, codes: set[int]) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    assert "internal error" not in result.stderr, result.stderr
    assert result.exit_code in codes, (result.exit_code, result.stderr[-2000:])
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    bad = [line for line in lines if not LINE.match(line)]
    assert bad == [], bad[:5]
    if result.exit_code == 1:
        assert lines, "exit 1 without a word on stderr"


@pytest.fixture(scope="module")
def ws() -> Iterator[Workspace]:
    """One workspace for every example; its embedded sandbox holds the demo world, which
    the example configuration describes (so plans of valid mutants reach the engine)."""
    with workspace() as space:
        space.store  # noqa: B018  (seeds the demo world once)
        yield space


def check_both(ws: Workspace, raw: bytes) -> None:
    path = ws.root / "fuzz.yaml"
    path.write_bytes(raw)
    assert_one_line_answer(ws.ksctl("validate", "fuzz.yaml"), VALIDATE_CODES)
    assert_one_line_answer(ws.ksctl("plan", "fuzz.yaml", "--detailed-exitcode"), PLAN_CODES)


# ---- mutations of real configurations ----------------------------------------------------

SWAPS = [
    b"[]",
    b"{}",
    b"0",
    b"-1",
    b"1.5e400",
    b"true",
    b"no",
    b"null",
    b"~",
    b"'x'",
    b"[1, {a: b}]",
    b"*nope",
    b"&a x",
    b"!!binary AA==",
    b"!!float x",
    b"!!int 0x",
    b"2026-13-45",
    b"9" * 5000,
    b"!!python/object:os.system x",
    b"|\n  block",
    b'"\\u0000"',
    b'"a\\nb"',
    b"\xe4\xb8\xad\xe6\x96\x87",
    b"? [k]\n  : v",
    b"<<: *x",
]


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


def flip(raw: bytes, at: int, value: int) -> bytes:
    if not raw:
        return bytes([value])
    at %= len(raw)
    return raw[:at] + bytes([value]) + raw[at + 1 :]


def delete_line(raw: bytes, at: int, _: int) -> bytes:
    lines = _lines(raw)
    del lines[at % len(lines)]
    return b"\n".join(lines)


def duplicate_line(raw: bytes, at: int, _: int) -> bytes:
    lines = _lines(raw)
    i = at % len(lines)
    return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])


def typo_key(raw: bytes, at: int, value: int) -> bytes:
    lines = _lines(raw)
    keyed = [i for i, line in enumerate(lines) if re.match(rb"^\s*-?\s*[a-z_]+:", line)]
    if not keyed:
        return raw
    i = keyed[at % len(keyed)]
    match = re.match(rb"^(\s*-?\s*)([a-z_]+)(:.*)$", lines[i], re.S)
    assert match is not None
    key = bytearray(match.group(2))
    key[value % len(key)] = b"abcdefghijklmnopqrstuvwxyz_"[value % 27]
    lines[i] = match.group(1) + bytes(key) + match.group(3)
    return b"\n".join(lines)


def swap_value(raw: bytes, at: int, value: int) -> bytes:
    lines = _lines(raw)
    valued = [i for i, line in enumerate(lines) if re.search(rb":\s+\S", line)]
    if not valued:
        return raw
    i = valued[at % len(valued)]
    head = lines[i][: lines[i].index(b":") + 1]
    lines[i] = head + b" " + SWAPS[value % len(SWAPS)]
    return b"\n".join(lines)


def insert_bytes(raw: bytes, at: int, value: int) -> bytes:
    at %= len(raw) + 1
    chunk = bytes([value, (value * 7) % 256, (value * 13) % 256])[: 1 + value % 3]
    return raw[:at] + chunk + raw[at:]


def truncate(raw: bytes, at: int, _: int) -> bytes:
    return raw[: at % (len(raw) + 1)]


MUTATORS: list[Callable[[bytes, int, int], bytes]] = [
    flip,
    delete_line,
    duplicate_line,
    typo_key,
    swap_value,
    insert_bytes,
    truncate,
]

mutation = st.tuples(st.sampled_from(MUTATORS), st.integers(0, 1 << 20), st.integers(0, 255))


@FUZZ
@given(seed=st.sampled_from(range(len(SEEDS))), mutations=st.lists(mutation, max_size=6))
def test_fuzz_mutated_configurations(
    ws: Workspace, seed: int, mutations: list[tuple[Callable[..., bytes], int, int]]
) -> None:
    raw = SEEDS[seed]
    for mutate, at, value in mutations:
        raw = mutate(raw, at, value)
    check_both(ws, raw)


# ---- random documents from the configuration's vocabulary ------------------------------------

WORDS = [
    "version",
    "defaults",
    "accounts",
    "id",
    "name",
    "live",
    "permission",
    "closure",
    "copyright_proof",
    "schedules",
    "backups",
    "interactions",
    "gift_ledger",
    "replays",
    "destination",
    "certification",
    "live_certified",
    "privacy",
    "purge_viewer_phone_numbers",
    "monetization",
    "short_video_tipping",
    "shopping_cart",
    "acknowledge",
    "contract_breach",
    "replays_without_backup",
    "enabled",
    "disabled",
    "soft",
    "hard",
    "present",
    "ignore",
    "cleared",
    "keep",
    "3xk9d2a1",
    "8qv2n6e4",
]
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=12), st.integers(-3, 3), st.booleans())
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(WORDS),
    st.sampled_from(["s3://bucket/p", "../../etc", ".ksctl/backups", "/tmp/x"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=40,
)
shaped = st.fixed_dictionaries(
    {"version": st.one_of(st.just(1), scalars)},
    optional={
        "defaults": documents,
        "accounts": st.lists(
            st.dictionaries(st.sampled_from(WORDS), documents, max_size=6), max_size=4
        ),
        "extra": documents,
    },
)


@FUZZ
@given(document=st.one_of(documents, shaped), unicode=st.booleans(), flow=st.booleans())
def test_fuzz_random_yaml_documents(
    ws: Workspace, document: object, unicode: bool, flow: bool
) -> None:
    text = yaml.safe_dump(document, allow_unicode=unicode, default_flow_style=flow)
    check_both(ws, text.encode("utf-8"))


@FUZZ
@given(raw=st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes(ws: Workspace, raw: bytes) -> None:
    check_both(ws, raw)


# ---- pathological inputs ------------------------------------------------------------------------


def laughs(levels: int = 9, width: int = 10) -> bytes:
    lines = ["version: 1", 'a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    lines.append(f"accounts: *a{levels}")
    return "\n".join(lines).encode() + b"\n"


def merge_bomb(levels: int = 25) -> bytes:
    lines = ["version: 1", "m0: &m0 {x: 1}"]
    for i in range(1, levels + 1):
        lines.append(f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: {i}}}")
    lines.append(f"defaults: *m{levels}")
    return "\n".join(lines).encode() + b"\n"


PATHOLOGICAL: dict[str, Callable[[], bytes]] = {
    "latin1": lambda: "version: 1\naccounts:\n  - id: a1\n    name: Café\n".encode("latin-1"),
    "utf16": lambda: "version: 1\n".encode("utf-16"),
    "nul": lambda: b"version: 1\x00\n",
    "random_binary": lambda: bytes((i * 7919 + 13) % 256 for i in range(1 << 16)),
    "over_16_mib": lambda: b"version: 1\n" + b"# padding padding padding\n" * (17 << 15),
    "long_line_15_mib": lambda: (
        b"version: 1\naccounts:\n  - id: a1\n    name: '" + b"x" * (15 << 20) + b"'\n"
    ),
    "deep_flow_100": lambda: b"version: 1\naccounts: " + b"[" * 100 + b"]" * 100 + b"\n",
    "deep_flow_20000": lambda: b"version: 1\naccounts: " + b"[" * 20000 + b"]" * 20000 + b"\n",
    "deep_block_100": lambda: (
        b"version: 1\ndefaults:\n"
        + b"".join(b"  " * (i + 1) + b"k%d:\n" % i for i in range(100))
        + b"  " * 101
        + b"x: 1\n"
    ),
    "billion_laughs": laughs,
    "merge_bomb": merge_bomb,
    "many_documents": lambda: b"version: 1\n---\n" * 1000,
    "many_keys": lambda: (
        b"version: 1\naccounts: []\n" + b"".join(b"k%d: %d\n" % (i, i) for i in range(20000))
    ),
    "many_accounts": lambda: (
        b"version: 1\naccounts:\n"
        + b"".join(b"  - {id: acc%d, live: {permission: enablde}}\n" % i for i in range(5000))
    ),
    "python_tag": lambda: b"version: !!python/object/apply:os.system ['true']\n",
    "huge_int": lambda: b"version: " + b"9" * 100_000 + b"\n",
    "bad_dates": lambda: b"version: 1\n2026-02-30: x\naccounts: [{id: a, name: 2026-13-01}]\n",
    "control_chars": lambda: b'version: 1\naccounts: [{id: "a\\nb\\rc", name: "\\e[31m"}]\n',
    "key_with_newline": lambda: b'version: 1\n"li\\nve": 1\naccounts: [{"x\\ny": 1}]\n',
    "empty": lambda: b"",
    "bom_only": lambda: b"\xef\xbb\xbf",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs_in_process(ws: Workspace, name: str) -> None:
    check_both(ws, PATHOLOGICAL[name]())


# ---- bounded: a separate process, 1 GiB of address space, a timeout ----------------------

LIMIT = 1 << 30
BOUNDED = [
    "billion_laughs",
    "merge_bomb",
    "over_16_mib",
    "long_line_15_mib",
    "deep_flow_20000",
    "huge_int",
    "random_binary",
    "many_keys",
]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run_bounded(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KSCTL_")}
    env["PYTHONWARNINGS"] = "ignore"
    return subprocess.run(
        [sys.executable, "-c", "from ksctl.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
        check=False,
    )


@pytest.mark.parametrize("name", BOUNDED)
def test_pathological_inputs_bounded_in_memory_and_time(tmp_path: Path, name: str) -> None:
    (tmp_path / "fuzz.yaml").write_bytes(PATHOLOGICAL[name]())
    for args, codes in (
        (["validate", "fuzz.yaml"], VALIDATE_CODES),
        (["plan", "fuzz.yaml", "--detailed-exitcode"], PLAN_CODES),
    ):
        done = run_bounded(args, tmp_path)  # a hang raises TimeoutExpired
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode in codes, (done.returncode, stderr[-2000:])
        assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]
        assert "MemoryError" not in stderr
        bad = [line for line in stderr.splitlines() if not LINE.match(line)]
        assert bad == [], bad[:5]


def test_endless_device_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    done = run_bounded(["validate", "/dev/zero"], tmp_path, timeout=30)
    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert stderr == "/dev/zero:1:1: file is larger than 16 MiB; is this really a configuration?\n"
