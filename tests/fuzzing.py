"""Hypothesis strategies for untrusted input: JSON values, platform-shaped bodies, mutated fixtures.

Bounded and repeatable in CI; to hunt locally set FUZZ_EXAMPLES (e.g. 5000) for random seeds
and that many examples per property.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from inbox.platforms.registry import get_adapter
from tests.helpers import FIXTURES, webhook_fixture_paths

_HUNT = os.environ.get("FUZZ_EXAMPLES")


def fuzz_settings(examples: int) -> settings:
    """`examples` per property (FUZZ_EXAMPLES overrides), no deadline, no example database."""
    return settings(
        max_examples=int(_HUNT) if _HUNT else examples,
        derandomize=_HUNT is None,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


def _walk(value: Any, keys: set[str], leaves: set[Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            _walk(item, keys, leaves)
    elif isinstance(value, list):
        for item in value:
            _walk(item, keys, leaves)
    else:
        leaves.add(value)


@cache
def fixture_vocabulary() -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Every key and every scalar of the webhook fixtures, so fuzzing reaches deep branches."""
    keys: set[str] = set()
    leaves: set[Any] = set()
    for path in webhook_fixture_paths():
        _walk(json.loads(path.read_bytes()), keys, leaves)
    return tuple(sorted(keys)), tuple(sorted(leaves, key=repr))


def fixtures_of(platform: str) -> list[dict[str, Any]]:
    """The parsed webhook fixtures of one platform."""
    return [json.loads(p.read_bytes()) for p in sorted((FIXTURES / platform).glob("*.json"))]


# Text that breaks naive code: NUL, lone surrogates, RTL marks, emoji, very long runs.
_NASTY = st.sampled_from(
    ["", "\x00", "a\x00b", "\ud83d", "x\udc00y", "\u202e", "😀" * 3, "9" * 40, " ", "\n"]
)


def json_scalars() -> st.SearchStrategy[Any]:
    """Any scalar json.loads can produce, biased towards the values real bodies hold."""
    _, leaves = fixture_vocabulary()
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN (tested apart)
        st.text(max_size=30),
        st.text(st.characters(codec="utf-8"), max_size=30),
        _NASTY,
        st.sampled_from(leaves),
    )


def json_keys() -> st.SearchStrategy[str]:
    """Object keys: mostly the keys the platforms use, sometimes anything."""
    keys, _ = fixture_vocabulary()
    return st.one_of(st.sampled_from(keys), st.sampled_from(keys), st.text(max_size=10), _NASTY)


def json_values(max_leaves: int = 25) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values (nested objects and arrays of realistic keys and nasty scalars)."""
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(json_keys(), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def _items() -> st.SearchStrategy[Any]:
    """messaging[] / changes[] items: the real fields with arbitrary values, or anything."""
    _, leaves = fixture_vocabulary()
    small = json_values(max_leaves=6)
    fields = {
        key: small
        for key in ("sender", "recipient", "message", "postback", "reaction", "read", "value")
    }
    return st.one_of(
        small,
        st.fixed_dictionaries(
            {}, optional={**fields, "timestamp": json_scalars(), "field": st.sampled_from(leaves)}
        ),
    )


def shaped_bodies(platform: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies that pass the top-level check (right `object`, an entry list) with any entries."""
    adapter = get_adapter(platform)
    assert adapter is not None
    items = st.lists(_items(), max_size=3)
    entry = st.one_of(
        json_values(max_leaves=8),
        st.fixed_dictionaries(
            {"id": json_scalars()},
            optional={
                "time": json_scalars(),
                "messaging": items,
                "standby": items,
                "changes": items,
            },
        ),
    )
    return st.fixed_dictionaries(
        {"object": st.just(adapter.webhook_object), "entry": st.lists(entry, max_size=3)}
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _mutate(value: Any, path: tuple[Any, ...], op: str, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if rest:
        copy[head] = _mutate(value[head], rest, op, new)
    elif op == "delete":
        del copy[head]
    elif op == "duplicate" and isinstance(copy, list):
        copy.insert(head, value[head])
    else:
        copy[head] = new
    return copy


_MESSAGE_ID_PREFIXES = ("m_", "wamid.", "aWdf")


def renamed(value: Any, suffix: str) -> Any:
    """The body with every platform message id given a suffix (new messages, not retries)."""
    if isinstance(value, dict):
        return {k: renamed(v, suffix) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, suffix) for v in value]
    if isinstance(value, str) and value.startswith(_MESSAGE_ID_PREFIXES):
        return value + suffix
    return value


@st.composite
def mutated_fixtures(draw: st.DrawFn, platform: str) -> dict[str, Any]:
    """A real fixture with one to three inner parts replaced, deleted or repeated."""
    body: Any = draw(st.sampled_from(fixtures_of(platform)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        # The top level is the other strategies' job; deepest parts first (Hypothesis leans there).
        paths = sorted((p for p in _paths(body) if len(p) > 2), key=len, reverse=True)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        current = _at(body, path)
        op = draw(st.sampled_from(["replace", "replace", "delete", "duplicate"]))
        if isinstance(current, str) and draw(st.booleans()):
            # Another string keeps the event valid, with odd ids and text to store.
            op, new = "replace", draw(st.one_of(_NASTY, st.text(max_size=40), st.just("x" * 300)))
        else:
            new = draw(json_values(max_leaves=8)) if op == "replace" else None
        body = _mutate(body, path, op, new)
    return body  # type: ignore[no-any-return]


def any_body(platform: str) -> st.SearchStrategy[Any]:
    """A verified body as an attacker (or a buggy upstream) might send it; mostly near-real."""
    return st.one_of(mutated_fixtures(platform), shaped_bodies(platform), json_values())
