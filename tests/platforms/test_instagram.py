"""Instagram parser: every fixture to its literal events, and malformed bodies."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from inbox.platforms import parts
from inbox.platforms.common import EPOCH
from inbox.platforms.events import (
    UNDATED,
    Attachment,
    DeliveryStatus,
    Echo,
    Ignored,
    InboundMessage,
    MessageDeleted,
    MessageEdited,
    MessageKind,
    PayloadError,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.instagram import ADAPTER
from tests.helpers import load_fixture

IG = "17841465123456789"
IGSID = "1192837465019283"
REACTED_MID = "<MID_OF_ReactedTo_Message>"  # Meta's placeholder, kept
CW_USER = "Sender-id-1"  # chatwoot's samples


def parse(name: str) -> list[Any]:
    return ADAPTER.parse(load_fixture("instagram", name))


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def undated(events: list[Any]) -> list[Any]:
    """chatwoot's samples carry ISO-string times: the parser leaves them UNDATED, and ingest
    dates them on receipt (tests/platforms/test_nothing_lost.py)."""
    for event in events:
        assert event.timestamp == UNDATED
    return [dataclasses.replace(event, timestamp=EPOCH) for event in events]


def test_text() -> None:
    assert parse("text") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="MESSAGE-ID",
            sender_id="IGSID",
            timestamp=at(1569262485349),
            text="MESSAGE-TEXT",
        )
    ]


def test_image() -> None:
    assert parse("image") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
            sender_id="<PSID>",
            timestamp=at(1518479195308),
            kind=MessageKind.MEDIA,
            attachments=(Attachment(type="image", url="<ATTACHMENT_URL>"),),
        )
    ]


def test_share() -> None:
    url = "https://imagekit.io/blog/content/images/2020/05/media_library.jpeg"
    assert undated(parse("share")) == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="message-id-1",
            sender_id=CW_USER,
            timestamp=EPOCH,
            kind=MessageKind.SHARE,
            attachments=(Attachment(type="share", url=url),),
        )
    ]


def test_reel() -> None:
    assert parse("ig_reel") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
            sender_id="<PSID>",
            timestamp=at(1518479195308),
            kind=MessageKind.SHARE,
            attachments=(Attachment(type="ig_reel", url="<ATTACHMENT_URL>"),),
        )
    ]


def test_echo() -> None:
    assert parse("echo") == [
        Echo(
            platform="instagram",
            account_id=IG,
            message_id="mid.1457764197618:41d102a3e1ae206a38",
            recipient_id="<PSID>",
            timestamp=at(1457764197627),
            text="hello, world!",
        )
    ]


def test_seen() -> None:
    assert undated(parse("seen")) == [
        StatusUpdate(
            platform="instagram",
            account_id=IG,
            customer_id=CW_USER,
            status=DeliveryStatus.READ,
            timestamp=EPOCH,
            message_ids=("message-id-1",),
        )
    ]


def test_reaction() -> None:
    assert parse("reaction") == [
        Reaction(
            platform="instagram",
            account_id=IG,
            message_id=REACTED_MID,
            sender_id="<PSID>",
            timestamp=at(1458668856463),
            emoji="\u2764\ufe0f",
        )
    ]


def test_unreaction() -> None:
    """Meta's sample names the emoji on an unreact too; the removal carries none."""
    assert parse("unreaction") == [
        Reaction(
            platform="instagram",
            account_id=IG,
            message_id=REACTED_MID,
            sender_id="<PSID>",
            timestamp=at(1458668856463),
        )
    ]


def test_quick_reply() -> None:
    assert parse("quick_reply") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="<MID>",
            sender_id="<IGSID>",
            timestamp=at(1502905976377),
            text="<SOME_TEXT>",
            kind=MessageKind.QUICK_REPLY,
            payload="<PAYLOAD>",
        )
    ]


def test_icebreaker_postback() -> None:
    assert parse("postback") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="postback:<IGSID>:1502905976377",
            sender_id="<IGSID>",
            timestamp=at(1502905976377),
            text="<SELECTED_ICEBREAKER_QUESTION>",
            kind=MessageKind.POSTBACK,
            payload="<USER_DEFINED_PAYLOAD>",
        )
    ]


def test_story_mention_keeps_the_story_link() -> None:
    assert parse("story_mention") == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="<MESSAGE_ID>",
            sender_id="<IGSID>",
            timestamp=at(1569262485349),
            kind=MessageKind.STORY_MENTION,
            attachments=(Attachment(type="story_mention", url="<CDN_URL>"),),
        )
    ]


def test_story_reply_keeps_the_story_id_and_link() -> None:
    story = Attachment(
        type="story",
        url="https://chatwoot-assets.local/sample.png",
        details={"story_id": "chatwoot-app-user-id-1"},
    )
    assert undated(parse("story_reply")) == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="message-id-1",
            sender_id=CW_USER,
            timestamp=EPOCH,
            text="This is the story reply",
            kind=MessageKind.STORY_REPLY,
            attachments=(story,),
        )
    ]


def test_standby() -> None:
    assert undated(parse("standby")) == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="message-id-1",
            sender_id=CW_USER,
            timestamp=EPOCH,
            text="This is the first standby message from the customer, after 24 hours.",
        )
    ]


def test_deleted() -> None:
    assert undated(parse("deleted")) == [
        MessageDeleted(
            platform="instagram",
            account_id=IG,
            message_id="message-id-to-delete",
            sender_id=CW_USER,
            timestamp=EPOCH,
        )
    ]


def test_message_edit() -> None:
    assert parse("message_edit") == [
        MessageEdited(
            platform="instagram",
            account_id=IG,
            message_id="<MESSAGE_ID>",
            sender_id="<PSID>",
            timestamp=at(1458668856463),
            text="<TEXT>",
        )
    ]


def test_unsupported() -> None:
    assert undated(parse("unsupported")) == [
        InboundMessage(
            platform="instagram",
            account_id=IG,
            message_id="unsupported-message-id-1",
            sender_id=CW_USER,
            timestamp=EPOCH,
            kind=MessageKind.UNSUPPORTED,
            attachments=(parts.unsupported("unsupported", _first_message("unsupported")),),
        )
    ]


def _first_message(name: str) -> dict[str, Any]:
    message: dict[str, Any] = load_fixture("instagram", name)["entry"][0]["messaging"][0]["message"]
    return message


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
