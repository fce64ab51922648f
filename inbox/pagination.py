"""Keyset pagination: opaque cursors over (timestamp, id), newest first."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

MIN_LIMIT = 1
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# The span a stored row's timestamp can have; a cursor outside it was not handed out by us (and
# at the edges of datetime's range, moving it to UTC overflows: that was a 500).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class CursorError(ValueError):
    """A cursor that this server did not hand out."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the sort key and the id of its last row."""

    at: datetime
    id: uuid.UUID


def encode_cursor(position: Position) -> str:
    """An opaque, URL-safe cursor."""
    raw = json.dumps([position.at.isoformat(), str(position.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position behind a cursor; CursorError when it is not one of ours."""
    if len(cursor) > 200:
        raise CursorError("cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, ident = json.loads(raw)
        position = Position(datetime.fromisoformat(at), uuid.UUID(ident))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, AttributeError) as exc:
        raise CursorError("cursor is malformed") from exc
    if position.at.utcoffset() is None:
        raise CursorError("cursor is malformed")
    try:
        at = position.at.astimezone(UTC)
    except OverflowError as exc:
        raise CursorError("cursor is out of range") from exc
    if not EARLIEST <= at < LATEST:
        raise CursorError("cursor is out of range")
    return Position(at, position.id)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows and the cursor of the next page (None at the end)."""

    items: list[T]
    next_cursor: str | None


async def keyset_page(query: QuerySet[M], key: str, limit: int, cursor: str | None) -> Page[M]:
    """Rows ordered by (key, id) descending, after the cursor's position."""
    if cursor:
        after = decode_cursor(cursor)
        # The `<=` is implied by the OR but, unlike it, bounds an index range scan, so a deep
        # page starts at its position instead of filtering every newer row.
        at_or_before: dict[str, Any] = {f"{key}__lte": after.at}
        before: dict[str, Any] = {f"{key}__lt": after.at}
        same_at_lower_id: dict[str, Any] = {key: after.at, "id__lt": after.id}
        query = query.filter(Q(**at_or_before), Q(**before) | Q(**same_at_lower_id))
    rows = await query.order_by(f"-{key}", "-id").limit(limit + 1)
    if len(rows) <= limit:
        return Page(list(rows), None)
    last = rows[limit - 1]
    return Page(list(rows[:limit]), encode_cursor(Position(_value(last, key), last.pk)))


def _value(row: Any, key: str) -> datetime:
    value = getattr(row, key)
    if isinstance(value, str):  # SQLite hands back computed (annotated) timestamps as text
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"{key} is not a timestamp")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
