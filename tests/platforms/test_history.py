"""The Conversations API parser: pages of conversations → the events webhooks would give."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.platforms.events import Attachment, Echo, Ignored, InboundMessage, MessageKind
from inbox.platforms.history import parse_conversations_page, parse_time
from inbox.platforms.registry import adapters
from tests.helpers import load_fixture

PAGE = "104578291736452"


def _page(*messages: dict[str, Any], updated: str = "2026-07-29T08:00:00+0000") -> dict[str, Any]:
    return {"data": [{"id": "t_1", "updated_time": updated, "messages": {"data": list(messages)}}]}


def test_times_are_read_as_graph_writes_them() -> None:
    assert parse_time("2026-07-29T08:00:04+0000") == datetime(2026, 7, 29, 8, 0, 4, tzinfo=UTC)
    assert parse_time("2026-07-29T10:00:04+0200") == datetime(2026, 7, 29, 8, 0, 4, tzinfo=UTC)
    assert parse_time("yesterday") is None
    assert parse_time(1785312004) is None


def test_only_messenger_and_instagram_keep_history() -> None:
    kept = {name for name, adapter in adapters().items() if adapter.has_history}
    assert kept == {"messenger", "instagram"}


def test_a_page_becomes_inbound_messages_and_echoes() -> None:
    body = load_fixture("graph", "messenger_conversations_page1")
    page = parse_conversations_page("messenger", PAGE, body, since=None)
    assert (page.conversations, page.after, page.reached_cutoff) == (2, "QVFIUmNvbnYy", False)
    assert page.oldest_update == datetime(2026, 7, 29, 7, 50, tzinfo=UTC)
    reply, echo, question, hello, photo, size = page.events
    assert reply == Echo(
        platform="messenger",
        account_id=PAGE,
        message_id="m_sYnC0rEpLy9xWv8uT7sR6qP5oN4mL3kJ2iH1gF0eD9cB8aZ7yX6wV5uT4sR3qP2",
        recipient_id="7349205816634201",
        timestamp=datetime(2026, 7, 29, 8, 20, tzinfo=UTC),
        text="It ships tomorrow.",
    )
    assert isinstance(echo, Echo)
    assert question == InboundMessage(
        platform="messenger",
        account_id=PAGE,
        message_id="m_Qk1x8w2mZ0aV7nR3tYb5HcLpE9sDfG4jK6uI1oP2qW3eR4tY5uI6oP7aS8dF9gH0",
        sender_id="7349205816634201",
        timestamp=datetime(2026, 7, 29, 8, 0, 4, tzinfo=UTC),
        text="Is the blue model still available?",
        sender_name="Jordan Smith",
    )
    assert isinstance(hello, InboundMessage)
    assert isinstance(photo, InboundMessage)
    assert (photo.kind, photo.text) == (MessageKind.MEDIA, None)
    assert photo.attachments == (
        Attachment(
            "image",
            "https://scontent.xx.fbcdn.net/v/t1.15752-9/451234567_photo_n.jpg",
            mime_type="image/jpeg",
        ),
    )
    assert isinstance(size, InboundMessage)


def test_the_window_cuts_old_messages_and_stops_paging() -> None:
    body = load_fixture("graph", "messenger_conversations_page2")
    since = datetime(2026, 7, 28, tzinfo=UTC)
    page = parse_conversations_page("messenger", PAGE, body, since=since)
    assert [e.message_id for e in page.events] == [  # type: ignore[union-attr]
        "m_oRdEr9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT9uV8wX7yZ6aB5cD4eF3gH2iJ1kL0"
    ]
    assert (page.conversations, page.reached_cutoff) == (1, True)


def test_attachment_kinds_and_unsupported_messages() -> None:
    base = {"from": {"id": "42"}, "created_time": "2026-07-29T08:00:00+0000"}
    page = parse_conversations_page(
        "messenger",
        PAGE,
        _page(
            {**base, "id": "m_1", "attachments": {"data": [{"video_data": {"url": "https://v"}}]}},
            {
                **base,
                "id": "m_2",
                "attachments": {"data": [{"mime_type": "audio/mpeg", "file_url": "https://a"}]},
            },
            {**base, "id": "m_3", "attachments": {"data": [{"file_url": "https://f"}]}},
            {**base, "id": "m_4", "message": ""},
        ),
        since=None,
    )
    kinds = [(e.kind, [a.type for a in e.attachments]) for e in page.events]  # type: ignore[union-attr]
    assert kinds == [
        (MessageKind.MEDIA, ["video"]),
        (MessageKind.MEDIA, ["audio"]),
        (MessageKind.MEDIA, ["file"]),
        (MessageKind.UNSUPPORTED, []),
    ]


def test_malformed_parts_are_ignored_not_fatal() -> None:
    page = parse_conversations_page(
        "messenger",
        PAGE,
        _page(
            "not an object",
            {"id": "m_1", "created_time": "2026-07-29T08:00:00+0000"},  # no sender
            {"id": "m_2", "from": {"id": PAGE}, "created_time": "2026-07-29T08:00:00+0000"},
            {"id": "m_3", "from": {"id": "42"}, "created_time": "soon"},
        ),
        since=None,
    )
    assert all(isinstance(e, Ignored) for e in page.events)
    assert len(page.events) == 4
    assert parse_conversations_page("messenger", PAGE, {"data": "x"}, None).events == []
    assert parse_conversations_page("messenger", PAGE, None, None).after is None
