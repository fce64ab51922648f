"""Messenger parser: every fixture to its literal events, and malformed bodies."""

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
    MessageKind,
    PayloadError,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.messenger import ADAPTER
from tests.helpers import load_fixture

PAGE = "104578291736452"
PSID = "7349205816634201"
SENT_MID = "m_ZyX9wVu8TsR7qPo6NmL5kJ4iH3gF2eD1"
TEXT_MID = "m_Qk1x8w2mZ0aV7nR3tYb5HcLpE9sDfG4jK6uI1oP2qW3eR4tY5uI6oP7aS8dF9gH0"


def parse(name: str) -> list[Any]:
    return ADAPTER.parse(load_fixture("messenger", name))


def test_text() -> None:
    assert parse("text") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id=TEXT_MID,
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 0, 4, 523000, tzinfo=UTC),
            text="Is the blue model still available?",
        )
    ]


def test_text_quick_reply_and_reply_to() -> None:
    assert parse("text_quick_reply_and_reply_to") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id="m_Zx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0Dd",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 0, 10, tzinfo=UTC),
            text="Yes",
            kind=MessageKind.QUICK_REPLY,
            reply_to=TEXT_MID,
            payload="CONFIRM_ORDER_42",
        )
    ]


def test_image() -> None:
    url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/123456789_n.jpg?_nc_cat=1&oh=abc&oe=6A1B2C3D"
    assert parse("image") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id="m_AbCdEfGh1234567890IjKlMnOpQrStUvWx",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 1, 40, 308000, tzinfo=UTC),
            kind=MessageKind.MEDIA,
            attachments=(Attachment(type="image", url=url),),
        )
    ]


def test_sticker() -> None:
    url = "https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png"
    assert parse("sticker") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id="m_StIcKeR0987654321",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 1, 40, 999000, tzinfo=UTC),
            kind=MessageKind.MEDIA,
            attachments=(Attachment(type="sticker", url=url),),
        )
    ]


def test_unsupported_fallback() -> None:
    assert parse("unsupported_fallback") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id="m_FaLlBaCk99887766",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 13, 20, tzinfo=UTC),
            kind=MessageKind.UNSUPPORTED,
            attachments=(Attachment(type="fallback"),),
        )
    ]


def test_echo() -> None:
    assert parse("echo") == [
        Echo(
            platform="messenger",
            account_id=PAGE,
            message_id=SENT_MID,
            recipient_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 8, 19, 880000, tzinfo=UTC),
            text="Yes, we still have it in size M.",
        )
    ]


def test_postback() -> None:
    assert parse("postback") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id="m_PoStBaCk1122334455",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 11, 40, tzinfo=UTC),
            text="Talk to an agent",
            kind=MessageKind.POSTBACK,
            payload="HANDOFF_HUMAN",
        )
    ]


def test_reaction() -> None:
    assert parse("reaction") == [
        Reaction(
            platform="messenger",
            account_id=PAGE,
            message_id=SENT_MID,
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 10, 50, tzinfo=UTC),
            emoji="❤️",
        )
    ]


def test_unreaction() -> None:
    assert parse("unreaction") == [
        Reaction(
            platform="messenger",
            account_id=PAGE,
            message_id=SENT_MID,
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 11, tzinfo=UTC),
            emoji=None,
        )
    ]


def test_delivery() -> None:
    assert parse("delivery") == [
        StatusUpdate(
            platform="messenger",
            account_id=PAGE,
            customer_id=PSID,
            status=DeliveryStatus.DELIVERED,
            timestamp=datetime(2026, 7, 29, 8, 8, 22, tzinfo=UTC),
            message_ids=(SENT_MID,),
            watermark=datetime(2026, 7, 29, 8, 8, 19, 880000, tzinfo=UTC),
        )
    ]


def test_read() -> None:
    assert parse("read") == [
        StatusUpdate(
            platform="messenger",
            account_id=PAGE,
            customer_id=PSID,
            status=DeliveryStatus.READ,
            timestamp=datetime(2026, 7, 29, 8, 10, 0, 463000, tzinfo=UTC),
            watermark=datetime(2026, 7, 29, 8, 8, 19, 880000, tzinfo=UTC),
        )
    ]


def test_standby_text() -> None:
    assert parse("standby_text") == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id="m_StAnDbY55443322",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 15, 0, 200000, tzinfo=UTC),
            text="hello?",
        )
    ]


def test_every_entry_and_item_is_parsed_in_order() -> None:
    text, read = load_fixture("messenger", "text"), load_fixture("messenger", "read")
    body = {
        "object": "page",
        "entry": [
            {**text["entry"][0], "messaging": text["entry"][0]["messaging"] * 2},
            {**read["entry"][0], "standby": read["entry"][0]["messaging"]},
        ],
    }
    kinds = [type(event).__name__ for event in ADAPTER.parse(body)]
    assert kinds == ["InboundMessage", "InboundMessage", "StatusUpdate", "StatusUpdate"]


def test_postback_without_mid_gets_a_stable_id() -> None:
    item = {"sender": {"id": PSID}, "timestamp": 1785312700000, "postback": {"title": "Go"}}
    body = {"object": "page", "entry": [{"id": PAGE, "messaging": [item]}]}
    assert ADAPTER.parse(body) == [
        InboundMessage(
            platform="messenger",
            account_id=PAGE,
            message_id=f"postback:{PSID}:1785312700000",
            sender_id=PSID,
            timestamp=datetime(2026, 7, 29, 8, 11, 40, tzinfo=UTC),
            text="Go",
            kind=MessageKind.POSTBACK,
        )
    ]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "page",
        {},
        {"entry": []},
        {"object": "instagram", "entry": []},
        {"object": ["page"], "entry": []},
        {"object": "page"},
        {"object": "page", "entry": {"id": PAGE}},
    ],
)
def test_wrong_top_level_raises(payload: Any) -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(payload)


MID = {"mid": "m"}


@pytest.mark.parametrize(
    ("entry", "reason", "account_id"),
    [
        ("nope", "entry is not an object", None),
        ({"messaging": []}, "entry has no id", None),
        ({"id": PAGE}, "entry has no messaging items", PAGE),
        ({"id": PAGE, "messaging": {}}, "entry.messaging is not a list", PAGE),
        ({"id": PAGE, "standby": None}, "entry.standby is not a list", PAGE),
        ({"id": PAGE, "messaging": [None]}, "messaging item is not an object", PAGE),
        (
            {"id": PAGE, "changes": [{"field": "feed"}]},
            "changes-shaped entry (dashboard test or non-message field)",
            PAGE,
        ),
    ],
)
def test_malformed_entries_are_ignored(entry: Any, reason: str, account_id: str | None) -> None:
    good = load_fixture("messenger", "text")["entry"][0]
    events = ADAPTER.parse({"object": "page", "entry": [entry, good]})
    assert events == [Ignored("messenger", reason, account_id), *parse("text")]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"optin": {}}, "unknown messaging item (keys: optin, sender, timestamp)"),
        ({"message": {"text": "hi"}}, "message has no mid"),
        ({"message": ["hi"]}, "message is not an object"),
        ({"sender": None, "message": MID}, "message has no sender id"),
        ({"message": {"mid": "m", "is_echo": True}}, "echo has no recipient id"),
        ({"reaction": {"mid": "m", "action": "wave"}}, "unknown reaction action 'wave'"),
        ({"reaction": {"mid": "m", "action": "react"}}, "reaction has no emoji"),
        ({"delivery": {"mids": [1]}}, "delivered receipt has neither mids nor watermark"),
        ({"delivery": {"watermark": "x"}}, "delivered receipt has neither mids nor watermark"),
        ({"read": 7}, "read receipt is not an object"),
    ],
)
def test_malformed_items_are_ignored(fields: dict[str, Any], reason: str) -> None:
    good = load_fixture("messenger", "text")["entry"][0]["messaging"][0]
    item = {"sender": {"id": PSID}, "timestamp": 1785312004523, **fields}
    events = ADAPTER.parse({"object": "page", "entry": [{"id": PAGE, "messaging": [item, good]}]})
    assert events == [Ignored("messenger", reason, PAGE), *parse("text")]
