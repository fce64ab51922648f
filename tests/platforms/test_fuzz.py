"""Property-based: every parser takes any JSON and answers with events or PayloadError, only.

Three sources of input per platform: arbitrary JSON, bodies that pass the top-level check
with arbitrary entries, and real fixtures with parts replaced, deleted or repeated.
"""

from __future__ import annotations

import json
import typing
from datetime import datetime
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from inbox.platforms.events import (
    Echo,
    Event,
    Ignored,
    InboundMessage,
    MessageDeleted,
    MessageEdited,
    Note,
    PayloadError,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.outbound import split_text
from inbox.platforms.registry import get_adapter, platform_names
from tests.fuzzing import fuzz_settings, json_values, mutated_fixtures, shaped_bodies
from tests.helpers import routed_account, signed_platforms

PLATFORMS = platform_names()
EVENT_TYPES = typing.get_args(Event)


def _check_parse(platform: str, payload: Any) -> list[Event] | None:
    """Parse; None for PayloadError. Anything else raised fails the property."""
    adapter = get_adapter(platform)
    assert adapter is not None
    before = json.dumps(payload, sort_keys=True)
    try:
        events = adapter.parse(payload, routed_account(platform))
    except PayloadError:
        return None
    finally:
        assert json.dumps(payload, sort_keys=True) == before, "the parser changed its input"
    assert isinstance(events, list)
    for kind in sorted({type(e).__name__ for e in events}):
        event(kind)
    for parsed in events:
        assert isinstance(parsed, EVENT_TYPES), type(parsed)
        assert parsed.platform == platform
        if isinstance(parsed, Ignored):
            assert isinstance(parsed.reason, str) and parsed.reason
            assert isinstance(parsed.raw, dict)
            continue
        if isinstance(parsed, Note):
            assert isinstance(parsed.text, str) and parsed.text
            continue
        assert isinstance(parsed.account_id, str) and parsed.account_id
        assert isinstance(parsed.timestamp, datetime) and parsed.timestamp.tzinfo is not None
        if isinstance(parsed, InboundMessage | Echo | Reaction | MessageDeleted | MessageEdited):
            assert isinstance(parsed.message_id, str) and parsed.message_id
        if isinstance(parsed, MessageEdited):
            assert isinstance(parsed.text, str)
            assert parsed.edit_count is None or type(parsed.edit_count) is int
        if isinstance(parsed, InboundMessage | Echo):
            assert parsed.text is None or isinstance(parsed.text, str)
            assert all(isinstance(a.type, str) for a in parsed.attachments)
        if isinstance(parsed, StatusUpdate):
            assert all(isinstance(m, str) and m for m in parsed.message_ids)
            assert parsed.message_ids or parsed.watermark is not None
            assert parsed.error_code is None or type(parsed.error_code) is int
    return events


@pytest.mark.parametrize("platform", PLATFORMS)
@fuzz_settings(100)
@given(payload=json_values())
def test_arbitrary_json_gives_events_or_payload_error(platform: str, payload: Any) -> None:
    _check_parse(platform, payload)


@pytest.mark.parametrize("platform", signed_platforms())  # Meta's object/entry[] envelope
@fuzz_settings(80)
@given(data=st.data())
def test_right_object_with_arbitrary_entries_never_raises(platform: str, data: Any) -> None:
    payload = data.draw(shaped_bodies(platform))
    assert _check_parse(platform, payload) is not None  # the top level is right: no PayloadError


@pytest.mark.parametrize("platform", PLATFORMS)
@fuzz_settings(200)
@given(data=st.data())
def test_mutated_real_bodies_give_events_or_payload_error(platform: str, data: Any) -> None:
    _check_parse(platform, data.draw(mutated_fixtures(platform)))


@fuzz_settings(200)
@given(
    text=st.text(min_size=1, max_size=3000),
    limits=st.sampled_from([(2000, None), (1000, 1000), (4096, None), (20, 20)]),
)
def test_outgoing_text_is_cut_into_pieces_the_platform_accepts(
    text: str, limits: tuple[int, int | None]
) -> None:
    max_chars, max_bytes = limits
    text = text.strip() or "x"  # as queue_reply hands it over
    pieces = split_text(text, max_chars, max_bytes)
    for piece in pieces:
        assert piece and len(piece) <= max_chars
        assert max_bytes is None or len(piece.encode()) <= max_bytes
    # Nothing but the whitespace at the cuts is lost.
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())
