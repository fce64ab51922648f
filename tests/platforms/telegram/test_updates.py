"""Bot API updates (tests/fixtures/telegram/, real shapes) become the events written out here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.platforms.events import (
    Attachment,
    Event,
    Ignored,
    InboundMessage,
    MessageEdited,
    MessageKind,
    PayloadError,
    Reaction,
)
from inbox.platforms.telegram import ADAPTER
from inbox.platforms.telegram.reactions import telegram_emoji
from tests.helpers import load_fixture

BOT = "42"
NIC = "Nic Pottier (@Nicpottier)"


def parse(name: str) -> list[Event]:
    return ADAPTER.parse(load_fixture("telegram", name), BOT)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_a_text_message_is_the_private_chats_message() -> None:
    assert parse("message__text") == [
        InboundMessage(
            platform="telegram",
            account_id=BOT,
            message_id="3527065:41",
            sender_id="3527065",
            timestamp=at(1454119029),
            text="Hello World",
            sender_name="Nic Pottier (@nicpottier)",
        )
    ]


def test_unicode_text_and_a_name_with_username() -> None:
    [event] = parse("message__text_unicode")
    assert isinstance(event, InboundMessage)
    assert (event.text, event.sender_name) == ("Лол кек 😂", "Андрей Власов (@aka_dude)")
    assert event.message_id == "250918540:199785"


def test_the_largest_photo_size_is_kept_with_the_caption_as_text() -> None:
    [event] = parse("message__photo_caption")
    assert isinstance(event, InboundMessage)
    assert (event.kind, event.text) == (MessageKind.MEDIA, "Photo Caption")
    assert event.attachments == (
        Attachment(
            type="image",
            mime_type="image/jpeg",
            media_id="AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC",
            size=104737,
        ),
    )


@pytest.mark.parametrize(
    ("name", "kind", "media_id", "mime", "size", "file_name"),
    [
        ("message__document", "file", "BQADAQADCgADgtFRRPrv9GQ95f8eAg",
         "application/vnd.ms-excel", 4540928, "TabFig2015prel.xls"),
        ("message__voice", "audio", "AwADAQADCQADgtFRRGn8KrC-0D_MAg", "audio/ogg", 4288, None),
        ("message__audio", "audio", "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "audio/mpeg", 3897500, None),
        ("message__video", "video", "BAADAQADBgADgtFRRPFTAAHxLVw76wI", "video/mp4", 257507, None),
        ("message__video_note", "video", "file id", None, None, None),
        ("message__sticker", "sticker", "BQADAwADRQADyIsGAAHtBskMy6GoLAI",
         "image/webp", 38440, None),
    ],
)  # fmt: skip
def test_each_file_kind_is_one_attachment(
    name: str, kind: str, media_id: str, mime: str | None, size: int | None, file_name: str | None
) -> None:
    [event] = parse(name)
    assert isinstance(event, InboundMessage)
    assert event.kind is MessageKind.MEDIA
    assert event.attachments == (Attachment(kind, None, None, mime, media_id, file_name, size),)


def test_location_venue_and_contact_are_the_shared_structured_parts() -> None:
    events = [e for name in ("location", "venue", "contact") for e in parse(f"message__{name}")]
    found = [(e.kind, e.text, e.attachments) for e in events if isinstance(e, InboundMessage)]
    assert found == [
        (
            MessageKind.LOCATION,
            None,
            (Attachment("location", details={"latitude": -2.890287, "longitude": -79.004333}),),
        ),
        (
            MessageKind.LOCATION,
            None,
            (
                Attachment(
                    "location",
                    details={
                        "latitude": -2.898944,
                        "longitude": -79.006835,
                        "name": "Cuenca",
                        "address": "Provincia del Azuay",
                    },
                ),
            ),
        ),
        (
            MessageKind.CONTACTS,
            None,
            (
                Attachment(
                    "contacts",
                    details={"contacts": [{"name": "Adolf Taxi", "phones": ["0788531373"]}]},
                ),
            ),
        ),
    ]


def test_a_reply_names_the_quoted_message_in_the_same_chat() -> None:
    [event] = parse("message__reply")
    assert isinstance(event, InboundMessage)
    assert (event.message_id, event.reply_to, event.text) == (
        "3527065:1365",
        "3527065:41",
        "/start",
    )


def test_an_edit_carries_the_new_text() -> None:
    assert parse("edited_message__text") == [
        MessageEdited("telegram", BOT, "3527065:41", "3527065", at(1441646600), "Edited text")
    ]


def test_reactions_in_a_private_chat_set_and_remove() -> None:
    assert parse("message_reaction__private") == [
        Reaction("telegram", BOT, "3527065:41", "3527065", at(1721306082), "🌭")
    ]
    [removed] = parse("message_reaction__private_removed")
    assert isinstance(removed, Reaction) and removed.emoji is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("message__supergroup", "update 306197400: a supergroup chat (only private chats)"),
        ("message_reaction__supergroup", "update 71651249: a supergroup chat (only private chats)"),
        ("callback_query", "update 10000: callback_query (not handled)"),
        ("inline_query", "update 10000: inline_query (not handled)"),
    ],
)
def test_groups_and_other_updates_are_skipped_with_a_reason(name: str, reason: str) -> None:
    [event] = parse(name)
    assert isinstance(event, Ignored)
    assert event.reason == reason


@pytest.mark.parametrize("body", [[], {"message": {}}, {"update_id": "1"}, "x", None])
def test_a_body_that_is_not_an_update_is_a_payload_error(body: object) -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(body, BOT)


def test_an_update_without_its_routed_bot_is_refused() -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(load_fixture("telegram", "message__text"))


@pytest.mark.parametrize(
    ("slack_emoji", "sent"),
    [("👍", "👍"), ("👍🏼", "👍"), ("❤️", "❤"), ("🎉", "🎉"), ("🦖", None), ("🏳️‍🌈", None)],
)
def test_reactions_are_matched_to_the_ones_telegram_lists(
    slack_emoji: str, sent: str | None
) -> None:
    assert telegram_emoji(slack_emoji) == sent
    assert ADAPTER.accepts_reaction(slack_emoji) is (sent is not None)
