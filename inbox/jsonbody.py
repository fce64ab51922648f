"""Untrusted JSON from outside: parsing with a depth bound, and text PostgreSQL can store."""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

# Meta, Slack and our own clients nest a few levels; deeper bodies only exist to hurt
# recursive code (json itself, jsonb, scrubbing), so they are refused up front.
MAX_DEPTH = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A NUL or a lone surrogate can only enter a parsed UTF-8 body through a \u escape.
_RISKY_ESCAPE = re.compile(
    rb"\\u0000"
    rb"|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"  # a high half with no low one after
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]"  # a low half with no high one before
)


class TooDeepError(ValueError):
    """The JSON nests deeper than allowed."""


def parse_json(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `raw`; ValueError when not JSON, TooDeepError when nested too deep."""
    try:
        if isinstance(raw, bytes):  # as json.loads does it
            raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
        value = _DECODER.decode(raw)
    except RecursionError as exc:
        raise TooDeepError(f"JSON nested deeper than {max_depth} levels") from exc
    # Nesting d levels takes at least d opening brackets; counting them runs at C speed.
    if _openings(raw) > max_depth and too_deep(value, max_depth):
        raise TooDeepError(f"JSON nested deeper than {max_depth} levels")
    return value


def storable_text(raw: bytes) -> str | None:
    """A parsed body as text jsonb stores as it is, or None when some string needs scrubbing.

    None for a body with a NUL or lone surrogate escape, an escaped backslash (which would
    make the escapes after it ambiguous to the check), a byte-order mark, or bytes that are
    not UTF-8.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return None
    if b"\\u" in raw and (b"\\\\" in raw or _RISKY_ESCAPE.search(raw) is not None):
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def _openings(raw: bytes | str) -> int:
    if isinstance(raw, bytes):
        return raw.count(b"{") + raw.count(b"[")
    return raw.count("{") + raw.count("[")


def _not_json(name: str) -> Any:
    # Python reads NaN and Infinity, which JSON (and PostgreSQL's jsonb) does not have.
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise ValueError(f"{text[:20]} is out of range")
    return value


# Built once: json.loads with hooks builds a decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """True when objects/arrays nest deeper than max_depth (checked without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def storable(text: str) -> bool:
    """Text PostgreSQL can hold: no NUL and no lone surrogate (not encodable as UTF-8)."""
    return "\x00" not in text and (text.isascii() or _LONE_SURROGATE.search(text) is None)


def make_storable(text: str) -> str:
    """The text without NUL and with each lone surrogate replaced by U+FFFD."""
    if storable(text):
        return text
    return _LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def unstorable(value: Any) -> bool:
    """True when any string of a JSON value (keys included) cannot be stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
