"""The YAML reader: marks, duplicate keys, aliases, limits."""

from __future__ import annotations

import pytest

from ksctl.errors import ConfigError
from ksctl.yamlio import MAX_BYTES, parse


def test_marks_point_at_values_and_keys() -> None:
    located = parse("f.yaml", b"a:\n  b: [1, 2]\n  c: x\n")
    assert located.data == {"a": {"b": [1, 2], "c": "x"}}
    assert located.where(("a", "b", 1)) == (2, 10)
    assert located.where(("a", "c"), key=True) == (3, 3)
    assert located.where(("a", "nope")) == (2, 3)  # nearest ancestor


def test_duplicate_keys_are_refused_with_both_places() -> None:
    with pytest.raises(ConfigError) as caught:
        parse("f.yaml", b"a: 1\nb: 2\na: 3\n")
    assert str(caught.value) == (
        "f.yaml:3:1: duplicate key 'a' (first at 1:1); YAML would silently keep only the last one"
    )


def test_merge_keys_and_small_aliases_work() -> None:
    located = parse("f.yaml", b"base: &b {x: 1}\nk:\n  <<: *b\n  y: 2\nl: *b\n")
    assert located.data["k"] == {"x": 1, "y": 2}
    assert located.data["l"] == {"x": 1}


def test_alias_expansion_is_bounded() -> None:
    lines = ["a: &a [" + ",".join(["x"] * 10) + "]"]
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(ConfigError, match="expands to more than"):
        parse("f.yaml", "\n".join(lines).encode())


def test_deep_nesting_is_bounded() -> None:
    with pytest.raises(ConfigError):
        parse("f.yaml", b"a: " + b"[" * 200 + b"]" * 200)


def test_huge_file_is_refused_before_parsing() -> None:
    with pytest.raises(ConfigError, match="larger than"):
        parse("f.yaml", b"#" * (MAX_BYTES + 1))


def test_several_documents_are_refused() -> None:
    with pytest.raises(ConfigError, match="invalid YAML"):
        parse("f.yaml", b"a: 1\n---\nb: 2\n")


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00a", b"a: \xe6\xbd", b"\x00\x01"])
def test_bytes_that_are_not_text(raw: bytes) -> None:
    with pytest.raises(ConfigError) as caught:
        parse("f.yaml", raw)
    assert len(caught.value.problems) == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"version: 2026-13-45\n", "f.yaml:1:10: version: not a valid timestamp: month must be in"),
        (b"a:\n  b: !!float x\n", "f.yaml:2:6: a.b: not a valid float: could not convert"),
        (b"n: " + b"9" * 5000 + b"\n", "f.yaml:1:4: n: not a valid int: Exceeds the limit"),
        (b"? 2026-02-30\n: x\n", "f.yaml:1:3: document: not a valid timestamp: day is out of"),
    ],
)
def test_values_their_tag_cannot_hold_are_located_problems(raw: bytes, message: str) -> None:
    # PyYAML's constructors raise ValueError for these; it used to escape as an internal error.
    with pytest.raises(ConfigError) as caught:
        parse("f.yaml", raw)
    assert str(caught.value).startswith(message)


def test_reading_stops_at_the_size_limit() -> None:
    from pathlib import Path

    from ksctl.yamlio import read

    # A device with no end (or a file far larger than memory) is never read whole.
    with pytest.raises(ConfigError) as caught:
        read(Path("/dev/zero"))
    assert "larger than 16 MiB" in str(caught.value)


def test_a_problem_is_always_one_line() -> None:
    # A key may hold a newline or an escape sequence; the message quotes it escaped.
    with pytest.raises(ConfigError) as caught:
        parse("f.yaml", b'"a\\nb": 1\n"a\\nb": 2\n')
    [problem] = caught.value.problems
    assert str(problem) == (
        "f.yaml:2:1: duplicate key 'a\\nb' (first at 1:1); "
        "YAML would silently keep only the last one"
    )
    from ksctl.errors import KsctlError

    assert str(KsctlError("no such account: x\ny\x1b[31m")) == "no such account: x\\ny\\x1b[31m"


def test_merge_keys_are_bounded_like_aliases() -> None:
    # `<<: [*m, *m]` doubles per level: PyYAML would flatten 2**25 pairs into memory.
    lines = ["m0: &m0 {x: 1}"] + [
        f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: {i}}}" for i in range(1, 26)
    ]
    with pytest.raises(ConfigError) as caught:
        parse("f.yaml", "\n".join(lines).encode())
    # Refused whole, by whichever bound trips first: the merged size or the node count.
    assert "more than 1,000,000 values" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        parse(
            "f.yaml",
            b"top: {<<: [&m0 {x: 1}, "
            + b", ".join(b"&m%d {<<: [*m%d, *m%d]}" % (i, i - 1, i - 1) for i in range(1, 26))
            + b"]}\n",
        )
    assert "merge keys (<<) expand to more than 1,000,000 values" in str(caught.value)


def test_own_keys_override_merged_ones() -> None:
    # The point of `<<: *defaults`: what the mapping says itself wins, as in YAML 1.1.
    located = parse(
        "f.yaml", b"a: &a {x: 1, z: 3}\nb: &b {x: 2, y: 2}\nk: {<<: *a, x: 9}\nl: {<<: [*a, *b]}\n"
    )
    assert located.data["k"] == {"x": 9, "z": 3}
    assert located.data["l"] == {"x": 1, "y": 2, "z": 3}
    with pytest.raises(ConfigError, match="duplicate key 'x'"):
        parse("f.yaml", b"a: &a {z: 1}\nk: {<<: *a, x: 1, x: 2}\n")


def test_the_value_bound_scales_with_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # One value per BYTES_PER_NODE bytes of the file, at least MAX_NODES: a large plain world
    # or configuration is not taken for an alias bomb, a small file with aliases still is.
    import ksctl.yamlio as yamlio

    monkeypatch.setattr(yamlio, "MAX_NODES", 1000)
    values = 2000
    raw = b"ids: [" + b",".join(b"b%07d" % i for i in range(values)) + b"]\n"
    assert len(raw) // yamlio.BYTES_PER_NODE > values
    assert len(parse("f.yaml", raw).data["ids"]) == values
    bomb = b"a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    bomb += b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n"
    with pytest.raises(ConfigError, match="more than 1,000 values"):
        parse("f.yaml", bomb)
