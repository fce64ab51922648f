"""WhatsApp parser: every fixture to its literal events, and malformed bodies."""

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
from inbox.platforms.whatsapp import ADAPTER
from tests.helpers import load_fixture

NUMBER = "106540352242922"
WA_ID = "16505551234"
NAME = "Sheena Nelson"
SENT = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"


def parse(name: str) -> list[Any]:
    return ADAPTER.parse(load_fixture("whatsapp", name))


def test_text() -> None:
    assert parse("text") == [
        InboundMessage(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 0, 4, tzinfo=UTC),
            text="Does it come in another color?",
            sender_name=NAME,
        )
    ]


def test_image_has_media_id_not_url() -> None:
    assert parse("image") == [
        InboundMessage(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUIxMjM0NTY3ODkwQUJDREVGAA==",
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 1, 40, tzinfo=UTC),
            kind=MessageKind.MEDIA,
            attachments=(
                Attachment(
                    type="image",
                    caption="This one",
                    mime_type="image/jpeg",
                    media_id="1003383421387256",
                ),
            ),
            sender_name=NAME,
        )
    ]


def test_interactive_button_reply() -> None:
    assert parse("interactive_button_reply") == [
        InboundMessage(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQlVUVE9OMDAwMQA=",
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 11, 40, tzinfo=UTC),
            text="Talk to an agent",
            kind=MessageKind.QUICK_REPLY,
            sender_name=NAME,
            reply_to=SENT,
            payload="HANDOFF_HUMAN",
        )
    ]


def test_template_quick_reply_button() -> None:
    assert parse("template_quick_reply_button") == [
        InboundMessage(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQlVUVE9OMDAwMgA=",
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 11, 50, tzinfo=UTC),
            text="Unsubscribe",
            kind=MessageKind.QUICK_REPLY,
            sender_name=NAME,
            reply_to="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJUZW1wbGF0ZTAwMQA=",
            payload="Unsubscribe",
        )
    ]


def test_reaction() -> None:
    assert parse("reaction") == [
        Reaction(
            platform="whatsapp",
            account_id=NUMBER,
            message_id=SENT,
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 10, 50, tzinfo=UTC),
            emoji="👍",
        )
    ]


def test_unreaction_empty_emoji_is_none() -> None:
    assert parse("unreaction") == [
        Reaction(
            platform="whatsapp",
            account_id=NUMBER,
            message_id=SENT,
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 11, tzinfo=UTC),
            emoji=None,
        )
    ]


def test_unsupported() -> None:
    assert parse("unsupported") == [
        InboundMessage(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzVU5TVVBQT1JURUQxAA==",
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 13, 20, tzinfo=UTC),
            kind=MessageKind.UNSUPPORTED,
            sender_name=NAME,
        )
    ]


@pytest.mark.parametrize(
    ("name", "status", "timestamp"),
    [
        ("status_sent", DeliveryStatus.SENT, datetime(2026, 7, 29, 8, 8, 20, tzinfo=UTC)),
        ("status_delivered", DeliveryStatus.DELIVERED, datetime(2026, 7, 29, 8, 8, 22, tzinfo=UTC)),
        ("status_read", DeliveryStatus.READ, datetime(2026, 7, 29, 8, 10, tzinfo=UTC)),
    ],
)
def test_status(name: str, status: DeliveryStatus, timestamp: datetime) -> None:
    assert parse(name) == [
        StatusUpdate(
            platform="whatsapp",
            account_id=NUMBER,
            customer_id=WA_ID,
            status=status,
            timestamp=timestamp,
            message_ids=(SENT,),
        )
    ]


def test_status_failed_carries_the_error() -> None:
    assert parse("status_failed") == [
        StatusUpdate(
            platform="whatsapp",
            account_id=NUMBER,
            customer_id=WA_ID,
            status=DeliveryStatus.FAILED,
            timestamp=datetime(2026, 7, 30, 8, 26, 39, tzinfo=UTC),
            message_ids=("wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",),
            error_code=131047,
            error_message=(
                "Re-engagement message: Message failed to send because more than 24 hours "
                "have passed since the customer last replied to this number."
            ),
        )
    ]


def test_smb_message_echo_becomes_echo() -> None:
    assert parse("smb_message_echo_coexistence_only") == [
        Echo(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJFQ0hPMDAwMDAwMQA=",
            recipient_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 8, 19, tzinfo=UTC),
            text="Sent from the WhatsApp Business app",
        )
    ]


def test_every_change_message_and_status_is_parsed() -> None:
    text = load_fixture("whatsapp", "text")
    read = load_fixture("whatsapp", "status_read")
    value = text["entry"][0]["changes"][0]["value"]
    value["messages"] = value["messages"] * 2
    value["statuses"] = read["entry"][0]["changes"][0]["value"]["statuses"]
    text["entry"][0]["changes"].append(read["entry"][0]["changes"][0])
    text["entry"].append(read["entry"][0])
    kinds = [type(event).__name__ for event in ADAPTER.parse(text)]
    assert kinds == ["InboundMessage", "InboundMessage", "StatusUpdate"] + ["StatusUpdate"] * 2


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "x",
        {"object": "page", "entry": []},
        {"entry": []},
        {"object": "whatsapp_business_account"},
    ],
)
def test_wrong_top_level_raises(payload: Any) -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(payload)


def _body(change: Any) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def _with_message(**message: Any) -> dict[str, Any]:
    base = {"from": WA_ID, "id": "wamid.X", "timestamp": "1785312004", **message}
    value = {"metadata": {"phone_number_id": NUMBER}, "messages": [base]}
    return {"field": "messages", "value": value}


@pytest.mark.parametrize(
    ("change", "reason", "account_id"),
    [
        ([], "change is not an object", None),
        (
            {"field": "account_update", "value": {}},
            "unsupported change field 'account_update'",
            None,
        ),
        ({"field": "messages", "value": {}}, "change has no metadata.phone_number_id", None),
        (
            {"field": "messages", "value": {"metadata": {"phone_number_id": NUMBER}}},
            "change has no messages, statuses or echoes",
            NUMBER,
        ),
        (
            _with_message(type="location", location={}) | {"field": "x"},
            "unsupported change field 'x'",
            None,
        ),
        (_with_message(type="order"), "unknown message type 'order'", NUMBER),
        (_with_message(type=None), "message has no type", NUMBER),
        (_with_message(type="image"), "image message has no image object", NUMBER),
        (
            _with_message(type="interactive", interactive={"type": "nfm_reply"}),
            "unsupported interactive type 'nfm_reply'",
            NUMBER,
        ),
        (_with_message(type="text", timestamp=1.5), "message has no valid timestamp", NUMBER),
        (_with_message(type="text", timestamp="１２"), "message has no valid timestamp", NUMBER),
        (_with_message(type="text", id=None), "message has no id or from", NUMBER),
        (_with_message(type="reaction", reaction={}), "reaction has no message_id", NUMBER),
    ],
)
def test_malformed_inner_parts_are_ignored(
    change: Any, reason: str, account_id: str | None
) -> None:
    assert ADAPTER.parse(_body(change)) == [
        Ignored(platform="whatsapp", reason=reason, account_id=account_id)
    ]


def test_unknown_status_and_entry_without_changes_are_ignored() -> None:
    status = {"id": "wamid.X", "status": "deleted", "timestamp": "1", "recipient_id": WA_ID}
    value = {"metadata": {"phone_number_id": NUMBER}, "statuses": [status, "junk"]}
    body = _body({"field": "messages", "value": value})
    body["entry"].append({"id": "1"})
    assert ADAPTER.parse(body) == [
        Ignored(platform="whatsapp", reason="unknown status 'deleted'", account_id=NUMBER),
        Ignored(platform="whatsapp", reason="status is not an object", account_id=NUMBER),
        Ignored(platform="whatsapp", reason="entry has no changes list"),
    ]


def test_location_is_shown_as_unsupported() -> None:
    assert ADAPTER.parse(_body(_with_message(type="location", location={}))) == [
        InboundMessage(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="wamid.X",
            sender_id=WA_ID,
            timestamp=datetime(2026, 7, 29, 8, 0, 4, tzinfo=UTC),
            kind=MessageKind.UNSUPPORTED,
        )
    ]
