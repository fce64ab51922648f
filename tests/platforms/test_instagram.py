"""Instagram parser: every fixture to its literal events, and malformed bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from inbox.platforms.events import (
    Attachment,
    DeliveryStatus,
    Echo,
    Ignored,
    InboundMessage,
    MessageDeleted,
    MessageKind,
    PayloadError,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.instagram import ADAPTER
from tests.helpers import load_fixture

IG = "17841465123456789"
IGSID = "1192837465019283"
PREFIX = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx"
LONG_MID = PREFIX + "NDY1MTIzNDU2Nzg5OjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEyODEz"
ECHO_MID = PREFIX + "Echo0001"


def parse(name: str) -> list[Any]:
    return ADAPTER.parse(load_fixture("instagram", name))


def test_text() -> None:
    assert parse("text") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id=LONG_MID,
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 3, 10, 662000, tzinfo=UTC),
            text="Hi! Do you ship to Mexico?",
        )
    ]


def test_image() -> None:
    url = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1780000000000000&signature=AbCdEf"
    assert parse("image") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id=PREFIX + "Image001",
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 3, 20, 100000, tzinfo=UTC),
            kind=MessageKind.MEDIA,
            attachments=(Attachment(type="image", url=url),),
        )
    ]


def test_echo() -> None:
    assert parse("echo") == [
        Echo(
            platform="instagram",
            account_id=IG,
            message_id=ECHO_MID,
            recipient_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 5, 0, 200000, tzinfo=UTC),
            text="Yes, we ship to Mexico.",
        )
    ]


def test_seen() -> None:
    assert parse("seen") == [
        StatusUpdate(
            platform="instagram",
            account_id=IG,
            customer_id=IGSID,
            status=DeliveryStatus.READ,
            timestamp=datetime(2026, 7, 29, 8, 6, 40, 349000, tzinfo=UTC),
            message_ids=(ECHO_MID,),
        )
    ]


def test_reaction() -> None:
    assert parse("reaction") == [
        Reaction(
            platform="instagram",
            account_id=IG,
            message_id=ECHO_MID,
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 8, 5, 349000, tzinfo=UTC),
            emoji="❤️",
        )
    ]


def test_unreaction() -> None:
    assert parse("unreaction") == [
        Reaction(
            platform="instagram",
            account_id=IG,
            message_id=ECHO_MID,
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 8, 15, 349000, tzinfo=UTC),
        )
    ]


def test_postback() -> None:
    assert parse("postback") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id=PREFIX + "Postbk01",
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 8, 25, tzinfo=UTC),
            text="Track my order",
            kind=MessageKind.POSTBACK,
            payload="ICEBREAKER_TRACK_ORDER",
        )
    ]


def test_story_mention_keeps_no_cdn_url() -> None:
    assert parse("story_mention") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id=PREFIX + "Mention01",
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 10, 5, tzinfo=UTC),
            kind=MessageKind.STORY_MENTION,
            attachments=(Attachment(type="story_mention", url=None),),
        )
    ]


def test_story_reply_keeps_text_but_no_cdn_url() -> None:
    assert parse("story_reply") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id=PREFIX + "StoryRe1",
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 11, 45, tzinfo=UTC),
            text="I want this one!",
            kind=MessageKind.STORY_REPLY,
            attachments=(Attachment(type="story", url=None),),
        )
    ]


def test_deleted() -> None:
    assert parse("deleted") == [
        MessageDeleted(
            platform="instagram",
            account_id=IG,
            message_id=LONG_MID,
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 15, 5, tzinfo=UTC),
        )
    ]


def test_unsupported() -> None:
    assert parse("unsupported") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id=PREFIX + "Unsupp01",
            sender_id=IGSID,
            timestamp=datetime(2026, 7, 29, 8, 13, 25, tzinfo=UTC),
            kind=MessageKind.UNSUPPORTED,
        )
    ]


def test_dashboard_test_event_changes_shape_is_ignored() -> None:
    events = parse("dashboard_test_event_changes_shape")
    assert events == [
        Ignored(
            platform="instagram",
            reason="changes-shaped entry (dashboard test or non-message field)",
            account_id="0",
        )
    ]
    assert (
        events[0].raw == load_fixture("instagram", "dashboard_test_event_changes_shape")["entry"][0]
    )


@pytest.mark.parametrize(
    "payload",
    [None, 42, [{"object": "instagram"}], {"object": "page", "entry": []}, {"object": "instagram"}],
)
def test_wrong_top_level_raises(payload: Any) -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(payload)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"timestamp": 1785312400349, "read": {"mid": "m"}}, "read receipt has no sender id"),
        (
            {"sender": {"id": IGSID}, "timestamp": 1785312400349, "read": {}},
            "read receipt has neither mids nor watermark",
        ),
        (
            {"sender": {"id": IGSID}, "timestamp": 1785312400349, "reaction": {"action": "react"}},
            "reaction has no mid or sender id",
        ),
    ],
)
def test_malformed_items_are_ignored(item: dict[str, Any], reason: str) -> None:
    body = {"object": "instagram", "entry": [{"id": IG, "messaging": [item]}]}
    assert ADAPTER.parse(body) == [Ignored(platform="instagram", reason=reason, account_id=IG)]
