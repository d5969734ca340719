"""Desired vs actual as two comparable documents, diffed with deepdiff.

Both sides are projected onto the same shape, holding only what the configuration states
(a property left unsaid is left alone). The result maps a property path to (before, after).
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from ksctl.config.model import Backup, Closure, DesiredAccount, SchedulesPolicy
from ksctl.engine.actual import ActualAccount

PathT = tuple[str, ...]
Changes = dict[PathT, tuple[Any, Any]]
ABSENT = "absent"
PRESENT = "present"


def project(
    desired: DesiredAccount, actual: ActualAccount
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(desired, actual) documents over the properties the configuration states."""
    want: dict[str, Any] = {}
    have: dict[str, Any] = {}
    state = actual.state

    def put(path: PathT, wanted: Any, has: Any) -> None:
        w, h = want, have
        for key in path[:-1]:
            w, h = w.setdefault(key, {}), h.setdefault(key, {})
        w[path[-1]], h[path[-1]] = wanted, has

    live = desired.live
    if live and live.permission:
        put(("live", "permission"), live.permission.value, state.live.permission.value)
    if live and live.closure is Closure.hard:
        put(("live", "replays_online"), {}, {r: True for r in actual.online_replays()})
    if desired.schedules is SchedulesPolicy.cleared:
        put(("schedules",), {}, {s.id: s.title for s in actual.future_schedules()})
    backups = desired.backups
    if backups:
        stored = actual.backups
        if backups.interactions is Backup.present:
            put(("backups", "interactions"), PRESENT, PRESENT if stored.interactions else ABSENT)
        if backups.gift_ledger is Backup.present:
            put(("backups", "gift_ledger"), PRESENT, PRESENT if stored.gift_ledger else ABSENT)
        if backups.replays is Backup.present:
            # A replay taken down before it was backed up can no longer be downloaded: the
            # platform refuses it (checks warn about it) and wanting it would fail forever.
            ids = sorted(r.id for r in state.replays if r.online or r.id in stored.replays)
            put(
                ("backups", "replays"),
                dict.fromkeys(ids, PRESENT),
                {r: PRESENT if r in stored.replays else ABSENT for r in ids},
            )
    cert = desired.certification
    if cert and cert.live_certified is not None:
        put(
            ("certification", "live_certified"),
            cert.live_certified,
            state.certification.live_certified,
        )
    privacy = desired.privacy
    if privacy and privacy.purge_viewer_phone_numbers:
        put(("privacy", "viewer_phone_numbers"), 0, state.interactions.viewer_phone_numbers)
    money = desired.monetization
    if money:
        for feature in ("short_video_tipping", "shopping_cart"):
            value = getattr(money, feature)
            if value is not None:
                put(
                    ("monetization", feature),
                    value.value,
                    getattr(state.monetization, feature).value,
                )
    return want, have


def changes(desired: DesiredAccount, actual: ActualAccount) -> Changes:
    """Every differing leaf: path → (actual, desired). Removed items have desired None."""
    want, have = project(desired, actual)
    return diff_documents(have, want)


# Scalars whose equality is plain `==` within one type, as deepdiff sees them (no float:
# deepdiff has its own rules for numbers).
_PLAIN = (str, int, bool, type(None))


def diff_documents(have: dict[str, Any], want: dict[str, Any]) -> Changes:
    """The changes from `have` to `want` at their leaves, as deepdiff reports them.

    Plain scalars (a section's permission, a count, a toggle, an entry of a collection keyed
    by platform ids: a schedule, a replay's backup) are compared here, in mappings of any
    depth, and one on one side only is a change to or from None; anything else that differs
    (a float, a list, a mapping against a scalar) goes to deepdiff, in one call. deepdiff
    costs about 0.2 ms an account even for a few entries (a 10,000-account closure: 3 of its
    8.6 s of CPU), the plain comparison a few microseconds.
    """
    out: Changes = {}
    deep_have: dict[str, Any] = {}
    deep_want: dict[str, Any] = {}
    _walk(out, deep_have, deep_want, (), have, want)
    if deep_have or deep_want:
        out.update(leaves(DeepDiff(deep_have, deep_want, view="tree", ignore_order=True)))
    return out


_MISSING: Any = object()


def _walk(
    out: Changes,
    deep_have: dict[str, Any],
    deep_want: dict[str, Any],
    path: PathT,
    have: dict[str, Any],
    want: dict[str, Any],
) -> None:
    if not all(type(k) is str for k in (*have, *want)):  # deepdiff names other keys its own way
        _defer(deep_have, deep_want, path, have, want)
        return
    for key in _keys(have, want):
        _compare(
            out,
            deep_have,
            deep_want,
            (*path, key),
            have.get(key, _MISSING),
            want.get(key, _MISSING),
        )


def _keys(have: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Both documents' keys, in a stable order: the desired ones first."""
    return [*want, *(k for k in have if k not in want)]


def _compare(
    out: Changes,
    deep_have: dict[str, Any],
    deep_want: dict[str, Any],
    path: PathT,
    h: Any,
    w: Any,
) -> None:
    """A changed plain scalar goes to `out`, and one on one side only (deepdiff reports it
    added or removed); mappings are compared key by key; anything else that may differ, to
    the deepdiff documents at the same path (a side that lacks it stays without it)."""
    th, tw = type(h), type(w)
    if th is tw and th in _PLAIN:
        if h != w:
            out[path] = (h, w)
        return
    if h is _MISSING and tw in _PLAIN:
        out[path] = (None, w)
        return
    if w is _MISSING and th in _PLAIN:
        out[path] = (h, None)
        return
    if th is tw is dict:
        if not _same(h, w):
            _walk(out, deep_have, deep_want, path, h, w)
        return
    _defer(deep_have, deep_want, path, h, w)


def _defer(
    deep_have: dict[str, Any], deep_want: dict[str, Any], path: PathT, h: Any, w: Any
) -> None:
    """`h` and `w` to the deepdiff documents at `path` (the root: both whole mappings)."""
    for doc, value in ((deep_have, h), (deep_want, w)):
        if value is _MISSING:
            continue
        if not path:
            doc.update(value)
            continue
        node = doc
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value


def _same(a: Any, b: Any) -> bool:
    """Equal as deepdiff sees it: same types all the way down (True is not 1)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    return bool(a == b)


def leaves(diff: DeepDiff) -> Changes:
    """A tree-view DeepDiff of (actual, desired) as path → (actual, desired) at the leaves."""
    out: Changes = {}
    for kind in (
        "values_changed",
        "type_changes",
        "dictionary_item_added",
        "dictionary_item_removed",
    ):
        for level in diff.get(kind, []):
            path = tuple(str(p) for p in level.path(output_format="list"))
            before = None if kind == "dictionary_item_added" else level.t1
            after = None if kind == "dictionary_item_removed" else level.t2
            _put(out, path, before, after)
    return out


def _put(out: Changes, path: PathT, before: Any, after: Any) -> None:
    """Record a change at its leaves: deepdiff may report a whole mapping at once (how deep it
    looks depends on how many keys the two sides share), so a key on one side only is a
    change whatever its value, and equal means equal as deepdiff sees it."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        for key in sorted(old.keys() | new.keys(), key=str):
            if key in old and key in new and _same(old[key], new[key]):
                continue
            _put(out, (*path, str(key)), old.get(key), new.get(key))
        return
    out[path] = (before, after)
