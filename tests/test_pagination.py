"""Cursors: round trip, and anything not handed out by the server is refused."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from inbox.pagination import CursorError, Position, decode_cursor, encode_cursor


def test_a_cursor_round_trips_to_the_microsecond() -> None:
    position = Position(datetime(2026, 11, 26, 8, 30, 1, 123456, tzinfo=UTC), uuid.uuid4())
    cursor = encode_cursor(position)
    assert "=" not in cursor
    assert decode_cursor(cursor) == position


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        _b64(b"not json"),
        _b64(b"[]"),
        _b64(b'["2026-11-26T08:30:00+00:00"]'),
        _b64(b'["yesterday", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]'),
        _b64(b'["2026-11-26T08:30:00+00:00", "not-a-uuid"]'),
        _b64(b'["2026-11-26T08:30:00", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]'),
        _b64(b"[1, 2]"),
        _b64(b'["9999-12-31T23:59:59-14:00", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]'),
        _b64(b'["0001-01-01T00:00:00+14:00", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]'),
        _b64(b'["9000-01-01T00:00:00+00:00", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]'),
        _b64(b'["1969-12-31T23:59:59+00:00", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]'),
        _b64(b'{"a": 1}'),
        "A" * 201,
    ],
)
def test_malformed_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(cursor)


def test_a_cursor_in_another_offset_is_read_in_utc() -> None:
    cursor = _b64(b'["2026-11-26T10:30:00+02:00", "5f0e7c1e-4c3b-4a53-9d2c-58f0f0a3c0de"]')
    assert decode_cursor(cursor).at == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert decode_cursor(cursor).at.utcoffset() == timedelta(0)
