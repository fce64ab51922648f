"""WhatsApp parser: real-source fixtures to their literal events, and malformed bodies.

What each fixture becomes once stored, mirrored and served is in
test_fixture_table_whatsapp.py; here is the pure parse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from inbox.platforms import parts
from inbox.platforms.events import (
    NOT_A_MESSAGE,
    UNDATED,
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
from inbox.platforms.whatsapp import ADAPTER
from tests.helpers import load_fixture

NUMBER = "106540352242922"
WA_ID = "972987654321"
NAME = "Test Name"


def parse(name: str) -> list[Any]:
    return ADAPTER.parse(load_fixture("whatsapp", name))


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def inbound(**fields: Any) -> InboundMessage:
    base: dict[str, Any] = {
        "platform": "whatsapp",
        "account_id": NUMBER,
        "message_id": "wamid.xyzxyz",
        "sender_id": WA_ID,
        "sender_name": NAME,
    }
    return InboundMessage(**(base | fields))


def test_text() -> None:
    assert parse("text") == [inbound(timestamp=at(1697043223), text="Body Text")]


def test_image_has_media_id_not_url() -> None:
    image = Attachment(type="image", mime_type="image/jpeg", media_id="65463453")
    assert parse("image") == [
        inbound(timestamp=at(1697043379), kind=MessageKind.MEDIA, attachments=(image,))
    ]


def test_document_keeps_filename_and_caption() -> None:
    document = Attachment(
        type="document",
        caption="caption",
        mime_type="application/pdf",
        media_id="1234567890987654321",
        filename="filename.pdf",
    )
    assert parse("document") == [
        inbound(timestamp=at(1697043666), kind=MessageKind.MEDIA, attachments=(document,))
    ]


@pytest.mark.parametrize(
    ("name", "kind", "flags"),
    [
        ("sticker", "sticker", {"animated": False}),
        ("sticker_animated", "sticker", {"animated": True}),
        ("audio", "audio", {"voice": False}),
        ("voice", "audio", {"voice": True}),
    ],
)
def test_sticker_and_audio_say_animated_and_voice(
    name: str, kind: str, flags: dict[str, bool]
) -> None:
    [message] = parse(name)
    [attachment] = message.attachments
    assert (message.kind, attachment.type, attachment.details) == (MessageKind.MEDIA, kind, flags)


def test_location_keeps_coordinates_name_address_and_url() -> None:
    assert parse("location") == [
        inbound(
            timestamp=at(1697044557),
            kind=MessageKind.LOCATION,
            attachments=(
                parts.location(
                    37.4611978,
                    -122.2164385,
                    name="Facebook HQ",
                    address="1 Hacker Way, Menlo Park, CA 94025",
                    url="https://maps.google.com/?cid=2000000000000000000",
                ),
            ),
        )
    ]


def test_contacts_keep_names_and_phones() -> None:
    [message] = parse("contacts")
    assert message.kind == MessageKind.CONTACTS
    assert message.attachments == (
        parts.contacts(
            [
                {"name": "Chandler Bing", "phones": ["+1 555-555-5555"]},
                {"name": "Monica", "phones": ["+1 666-666-6666"]},
                {"name": "Rachel Green", "phones": ["+1 777-777-7777"]},
            ]
        ),
    )


def test_contact_card_with_emails_and_org() -> None:
    card = {
        "name": {"formatted_name": "Ann Lee", "first_name": "Ann"},
        "phones": [{"wa_id": "16505551234", "type": "WORK"}],
        "emails": [{"email": "ann@example.com", "type": "WORK"}],
        "org": {"company": "Acme", "title": "Buyer"},
    }
    [message] = ADAPTER.parse(_body(_with_message(type="contacts", contacts=[card])))
    assert message.attachments == (
        parts.contacts(
            [
                {
                    "name": "Ann Lee",
                    "org": "Acme",
                    "phones": ["16505551234"],
                    "emails": ["ann@example.com"],
                }
            ]
        ),
    )


def test_order_keeps_catalog_items_and_note() -> None:
    [message] = parse("order")
    assert message.kind == MessageKind.ORDER
    assert message.attachments == (
        parts.order(
            [
                {"product": "HAMBURGER", "quantity": 3, "price": 30, "currency": "ILS"},
                {"product": "FRENCH_FRIES", "quantity": 2, "price": 35, "currency": "ILS"},
                {"product": "SODA", "quantity": 2, "price": 10, "currency": "ILS"},
            ],
            catalog_id="354160437058781",
        ),
    )
    cart = {"catalog_id": "1", "text": "Love these!", "product_items": []}
    [noted] = ADAPTER.parse(_body(_with_message(type="order", order=cart)))
    assert noted.text == "Love these!"
    assert noted.attachments[0].details == {"catalog_id": "1", "note": "Love these!"}


@pytest.mark.parametrize(
    ("name", "message_id", "payload"),
    [
        ("interactive_button_reply", "wamid.xyzxyz", "callback_data"),
        ("interactive_list_reply", "wamid.zyzxyz", "callback_data"),
        ("button", "wamid.xsidjw", "callback_data"),
    ],
)
def test_replies_to_buttons_and_lists(name: str, message_id: str, payload: str) -> None:
    [message] = parse(name)
    assert (message.kind, message.message_id, message.text, message.payload) == (
        MessageKind.QUICK_REPLY,
        message_id,
        "title",
        payload,
    )
    assert message.reply_to is not None


def test_flow_reply_keeps_answers_without_the_flow_token() -> None:
    [message] = parse("interactive_nfm_reply")
    assert (message.kind, message.text) == (MessageKind.FORM_REPLY, "Sent")
    [form] = message.attachments
    assert form.details == {
        "name": "flow",
        "answers": [
            {"field": "comment_text", "answer": "Comment Text"},
            {"field": "delivery_rating", "answer": "4"},
            {"field": "purchase_rating", "answer": "2"},
            {"field": "recommend_radio", "answer": "0"},
            {"field": "cs_rating", "answer": "0"},
        ],
    }
    assert message.payload is not None and "flow_token" in message.payload  # raw, as sent


def test_ad_referral_rides_along_with_the_text() -> None:
    [message] = parse("referral")
    assert (message.kind, message.text) == (MessageKind.TEXT, "BODY")
    assert message.attachments == (
        parts.referral(
            headline="AD_TITLE",
            body="AD_DESCRIPTION",
            source_url="AD_OR_POST_FB_URL",
            source_type="ad or post",
            source_id="ADID",
        ),
    )


@pytest.mark.parametrize(
    ("name", "event", "new_id"),
    [
        ("system_user_changed_number", "user_changed_number", "972912345678"),
        ("system_identity_changed", "customer_identity_changed", None),
    ],
)
def test_system_notices_are_messages(name: str, event: str, new_id: str | None) -> None:
    [message] = parse(name)
    assert message.kind == MessageKind.SYSTEM
    [notice] = message.attachments
    assert notice.details is not None
    assert (notice.details["event"], notice.details.get("new_id")) == (event, new_id)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("unsupported", "unknown"),
        ("unsupported_with_type", "pool"),
        ("interactive_without_reply", "interactive"),
    ],
)
def test_unsupported_keeps_the_raw_item(name: str, kind: str) -> None:
    body = load_fixture("whatsapp", name)
    [message] = ADAPTER.parse(body)
    assert message.kind == MessageKind.UNSUPPORTED
    item = body["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message.attachments == (parts.unsupported(kind, item),)


def test_an_invented_type_is_unsupported_not_dropped() -> None:
    [message] = ADAPTER.parse(_body(_with_message(type="hologram", hologram={"x": 1})))
    assert message.kind == MessageKind.UNSUPPORTED
    assert message.attachments[0].details == {
        "kind": "hologram",
        "raw": {
            "from": WA_ID,
            "id": "wamid.X",
            "timestamp": "1785312004",
            "type": "hologram",
            "hologram": {"x": 1},
        },
    }


def test_reaction() -> None:
    assert parse("reaction") == [
        Reaction("whatsapp", NUMBER, "wamid.yzxyzx=", WA_ID, at(1697044456), "😮")
    ]


def test_unreaction_empty_emoji_is_none() -> None:
    assert parse("unreaction") == [
        Reaction("whatsapp", NUMBER, "wamid.yzxyzx=", WA_ID, at(1697044456), None)
    ]


def test_revoke_deletes_the_original() -> None:
    message = {"type": "revoke", "revoke": {"original_message_id": "wamid.OLD"}}
    assert ADAPTER.parse(_body(_with_message(**message))) == [
        MessageDeleted("whatsapp", NUMBER, "wamid.OLD", WA_ID, at(1785312004))
    ]


@pytest.mark.parametrize(
    ("name", "status", "seconds", "expires"),
    [
        ("status_sent", DeliveryStatus.SENT, 1698266945, "2023-10-26T17:05:00+00:00"),
        ("status_delivered", DeliveryStatus.DELIVERED, 1698266945, None),
        ("status_read", DeliveryStatus.READ, 1689380458, None),
    ],
)
def test_status_keeps_conversation_and_pricing(
    name: str, status: DeliveryStatus, seconds: int, expires: str | None
) -> None:
    billing = parts.billing(
        category="service",
        pricing_model="CBP",
        billable=True,
        conversation_id="7270432eae37498234f4444b35ffc5",
        origin="service",
        expires_at=expires,
    )
    assert parse(name) == [
        StatusUpdate(
            "whatsapp", NUMBER, WA_ID, status, at(seconds), ("wamid.xyzxyz",), billing=billing
        )
    ]


def test_status_pricing_type_and_odd_values() -> None:
    body = load_fixture("whatsapp", "status_delivered")
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    # Per-message pricing (Meta's model since July 2025) adds `type`; no conversation.
    status["pricing"] = {
        "billable": False,
        "pricing_model": "PMP",
        "category": "service",
        "type": "free_customer_service",
    }
    status["conversation"] = "not an object"
    (update,) = ADAPTER.parse(body)
    assert isinstance(update, StatusUpdate)
    assert update.billing == parts.billing(
        category="service",
        pricing_model="PMP",
        pricing_type="free_customer_service",
        billable=False,
    )
    status["pricing"] = {"billable": "yes", "category": 7}
    (update,) = ADAPTER.parse(body)
    assert isinstance(update, StatusUpdate) and update.billing is None


def test_status_failed_carries_the_error() -> None:
    assert parse("status_failed") == [
        StatusUpdate(
            platform="whatsapp",
            account_id=NUMBER,
            customer_id=WA_ID,
            status=DeliveryStatus.FAILED,
            timestamp=at(1689380458),
            message_ids=("wamid.xyzxyz",),
            error_code=130472,
            error_message=(
                "User's number is part of an experiment: Failed to send message because this "
                "user's phone number is part of an experiment"
            ),
        )
    ]


def test_smb_message_echo_becomes_echo() -> None:
    assert parse("smb_message_echo") == [
        Echo(
            platform="whatsapp",
            account_id=NUMBER,
            message_id="<WHATSAPP_MESSAGE_ID>",
            recipient_id="<WHATSAPP_USER_PHONE_NUMBER>",
            timestamp=at(1697043223),
            text="Test message",
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
    ("change", "reason", "account_id", "code"),
    [
        ([], "change is not an object", None, "malformed"),
        (
            {"field": "account_update", "value": {}},
            "change field 'account_update' carries no messages",
            None,
            NOT_A_MESSAGE,
        ),
        (
            {"field": "messages", "value": {}},
            "change has no metadata.phone_number_id",
            None,
            "malformed",
        ),
        (
            {"field": "messages", "value": {"metadata": {"phone_number_id": NUMBER}}},
            "change has no messages, statuses or echoes",
            NUMBER,
            NOT_A_MESSAGE,
        ),
        (_with_message(type="text", id=None), "message has no id or from", NUMBER, "malformed"),
        (
            _with_message(type="text", **{"from": None}),
            "message has no id or from",
            NUMBER,
            "malformed",
        ),
        (
            _with_message(type="reaction", reaction={}),
            "reaction has no message_id",
            NUMBER,
            "malformed",
        ),
    ],
)
def test_what_is_not_a_message_or_has_no_id_is_ignored(
    change: Any, reason: str, account_id: str | None, code: str
) -> None:
    [event] = ADAPTER.parse(_body(change))
    assert event == Ignored(platform="whatsapp", reason=reason, account_id=account_id)
    assert isinstance(event, Ignored) and event.code == code


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ({"type": None}, "unknown"),
        ({"type": "image"}, "image"),
        ({"type": "location", "location": "here"}, "location"),
        (
            {"type": "interactive", "interactive": {"type": "call_permission_reply"}},
            "interactive call_permission_reply",
        ),
        ({"type": "order", "order": []}, "order"),
    ],
)
def test_a_message_missing_its_content_is_stored_as_unsupported(
    message: dict[str, Any], kind: str
) -> None:
    [event] = ADAPTER.parse(_body(_with_message(**message)))
    assert isinstance(event, InboundMessage)
    assert event.kind == MessageKind.UNSUPPORTED
    assert event.attachments[0].details is not None
    assert event.attachments[0].details["kind"] == kind


@pytest.mark.parametrize("timestamp", [None, 1.5, "１２", "soon"])
def test_a_message_without_a_usable_timestamp_is_kept_undated(timestamp: Any) -> None:
    [event] = ADAPTER.parse(
        _body(_with_message(type="text", text={"body": "hi"}, timestamp=timestamp))
    )
    assert isinstance(event, InboundMessage)
    assert (event.text, event.timestamp) == ("hi", UNDATED)


def test_non_delivery_status_and_entry_without_changes_are_ignored() -> None:
    status = {"id": "wamid.X", "status": "deleted", "timestamp": "1", "recipient_id": WA_ID}
    value = {"metadata": {"phone_number_id": NUMBER}, "statuses": [status, "junk"]}
    body = _body({"field": "messages", "value": value})
    body["entry"].append({"id": "1"})
    events = ADAPTER.parse(body)
    assert [e.code for e in events if isinstance(e, Ignored)] == [
        NOT_A_MESSAGE,
        "malformed",
        "malformed",
    ]
    assert events == [
        Ignored("whatsapp", "status 'deleted' is not a delivery state", NUMBER),
        Ignored(platform="whatsapp", reason="status is not an object", account_id=NUMBER),
        Ignored(platform="whatsapp", reason="entry has no changes list"),
    ]


def test_played_voice_message_counts_as_read() -> None:
    status = {"id": "wamid.X", "status": "played", "timestamp": "1", "recipient_id": WA_ID}
    value = {"metadata": {"phone_number_id": NUMBER}, "statuses": [status]}
    [event] = ADAPTER.parse(_body({"field": "messages", "value": value}))
    assert isinstance(event, StatusUpdate) and event.status == DeliveryStatus.READ
