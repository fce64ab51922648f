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
    MessageEdited,
    MessageKind,
    Note,
    PayloadError,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.messenger import ADAPTER
from tests.helpers import load_fixture

PAGE = "104578291736452"
PSID = "<PSID>"  # Meta's documentation samples keep their placeholders
BT_USER = "1423587017700273"  # bottender's samples
BT_MID = "mid.$cAAE1UUyiiwthh1ZAO1bVhDxGk2N0"
TEXT_MID = "mid.$cAAE1UUyiiwthh0NPrVbVf4HFNDGl"


def parse(name: str) -> list[Any]:
    return ADAPTER.parse(load_fixture("messenger", name))


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def inbound(name: str, **fields: Any) -> InboundMessage:
    """The one InboundMessage a fixture must produce (bottender's sender and media mid)."""
    defaults: dict[str, Any] = {
        "platform": "messenger",
        "account_id": PAGE,
        "message_id": BT_MID,
        "sender_id": BT_USER,
        "timestamp": at(1491797604411),
    }
    [event] = parse(name)
    assert event == InboundMessage(**{**defaults, **fields})
    return event


def test_text() -> None:
    inbound(
        "text", message_id=TEXT_MID, timestamp=at(1491796363181), text="Sharp tools make good work."
    )


def test_quick_reply() -> None:
    inbound(
        "quick_reply",
        message_id="mid.1457764197618:41d102a3e1ae206a38",
        sender_id=PSID,
        timestamp=at(1458692752478),
        text="hello, world!",
        kind=MessageKind.QUICK_REPLY,
        payload="<DEVELOPER_DEFINED_PAYLOAD>",
    )


def test_reply_to() -> None:
    inbound(
        "reply_to",
        message_id="m_1457764197618:41d102a3e1ae206a38",
        sender_id=PSID,
        timestamp=at(1458692752478),
        text="hello, world!",
        reply_to="m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU",
    )


@pytest.mark.parametrize(
    ("name", "url"),
    [
        (
            "image",
            "https://scontent.xx.fbcdn.net/v/t35.0-12/17887258_1429713783754592_1626047672_o.jpg"
            "?_nc_ad=z-m&oh=e44af5a4c973541ef56333202f160720&oe=58ECF78B",
        ),
        ("audio", "https://example.com/bot/audios/audio.mp3"),
        ("video", "https://example.com/bot/videos/video.mp4"),
        ("file", "https://example.com/bot/files/file.doc"),
    ],
)
def test_media(name: str, url: str) -> None:
    inbound(name, kind=MessageKind.MEDIA, attachments=(Attachment(type=name, url=url),))


def test_location_keeps_its_coordinates() -> None:
    place = Attachment(type="location", details={"latitude": 0, "longitude": 0})
    inbound("location", kind=MessageKind.LOCATION, attachments=(place,))


def test_fallback_is_a_shared_link() -> None:
    link = Attachment(
        type="fallback",
        url="URL_OF_THE_ATTACHMENT",
        details={"title": "TITLE_OF_THE_URL_ATTACHMENT"},
    )
    inbound("fallback", kind=MessageKind.SHARE, attachments=(link,))


def test_a_fallback_without_payload_is_unsupported() -> None:
    item = {
        "sender": {"id": PSID},
        "timestamp": 1,
        "message": {"mid": "m", "attachments": [{"type": "fallback"}]},
    }
    [event] = ADAPTER.parse({"object": "page", "entry": [{"id": PAGE, "messaging": [item]}]})
    assert isinstance(event, InboundMessage) and event.kind is MessageKind.UNSUPPORTED


def test_echo() -> None:
    assert parse("echo") == [
        Echo(
            platform="messenger",
            account_id=PAGE,
            message_id="mid.1457764197618:41d102a3e1ae206a38",
            recipient_id=PSID,
            timestamp=at(1457764197627),
            text="hello, world!",
        )
    ]


def test_standby_template_echo() -> None:
    assert parse("standby_template_echo") == [
        Echo(
            platform="messenger",
            account_id=PAGE,
            message_id="qT7ywaKpO9kkQR7Gv-nM8LIfLZDamVrALniheUYEDdHJXjDXEAyaS1xxONzb2Iv-DFzmTihfWJV012P5pK0AhQ",
            recipient_id=PSID,
            timestamp=at(1570053170673),
            kind=MessageKind.TEMPLATE,
            attachments=(
                Attachment(type="template", url="https://www.facebook.com/commerce/update/"),
            ),
        )
    ]


def test_postback_with_its_referral() -> None:
    came_from = Attachment(type="referral", details={"source_type": "SHORTLINK", "ref": "aaaa"})
    inbound(
        "postback",
        message_id="postback:1476077422222289:1522222894827",
        sender_id="1476077422222289",
        timestamp=at(1522222894827),
        text="Get Started",
        kind=MessageKind.POSTBACK,
        attachments=(came_from,),
        payload="__GET_STARTED__",
    )


def test_referral_from_an_mme_link() -> None:
    came_from = Attachment(type="referral", details={"source_type": "SHORTLINK", "ref": "aaaa"})
    inbound(
        "referral_mme",
        message_id="referral:1476077111119289:1511111143921",
        sender_id="1476077111119289",
        timestamp=at(1511111143921),
        kind=MessageKind.REFERRAL,
        attachments=(came_from,),
        payload="aaaa",
    )


def test_referral_from_an_ad() -> None:
    came_from = Attachment(
        type="referral",
        details={
            "source_type": "ADS",
            "ref": "<REF_DATA_IF_SPECIFIED_IN_THE_AD>",
            "source_id": "<ID_OF_THE_AD>",
            "headline": "<TITLE_OF_THE_AD>",
            "source_url": "<URL_OF_THE_IMAGE_FROM_AD_THE_USER_IS_INTERESTED_IN>",
            "post_id": "<ID_OF_THE_POST>",
        },
    )
    inbound(
        "referral_ad",
        message_id=f"referral:{PSID}:1458692752478",
        sender_id=PSID,
        timestamp=at(1458692752478),
        kind=MessageKind.REFERRAL,
        attachments=(came_from,),
        payload="<REF_DATA_IF_SPECIFIED_IN_THE_AD>",
    )


@pytest.mark.parametrize(("name", "emoji"), [("reaction", "❤️"), ("unreaction", None)])
def test_reactions(name: str, emoji: str | None) -> None:
    assert parse(name) == [
        Reaction(
            platform="messenger",
            account_id=PAGE,
            message_id=TEXT_MID,
            sender_id="1476077422222289",
            timestamp=at(1469111400000),
            emoji=emoji,
        )
    ]


def test_delivery_without_a_timestamp_is_dated_by_its_watermark() -> None:
    assert parse("delivery") == [
        StatusUpdate(
            platform="messenger",
            account_id=PAGE,
            customer_id=PSID,
            status=DeliveryStatus.DELIVERED,
            timestamp=at(1458668856253),
            message_ids=("mid.1458668856218:ed81099e15d3f4f233",),
            watermark=at(1458668856253),
        )
    ]


def test_read() -> None:
    assert parse("read") == [
        StatusUpdate(
            platform="messenger",
            account_id=PAGE,
            customer_id=PSID,
            status=DeliveryStatus.READ,
            timestamp=at(1458668856463),
            watermark=at(1458668856253),
        )
    ]


def test_message_edit() -> None:
    assert parse("message_edit") == [
        MessageEdited(
            platform="messenger",
            account_id=PAGE,
            message_id="<MESSAGE_ID>",
            sender_id=PSID,
            timestamp=at(1458668856463),
            text="<TEXT>",
        )
    ]


def test_message_edit_counts_its_edits() -> None:
    item = {
        "sender": {"id": PSID},
        "timestamp": 5,
        "message_edit": {"mid": "m", "text": "b", "num_edit": 2},
    }
    [event] = ADAPTER.parse({"object": "page", "entry": [{"id": PAGE, "messaging": [item]}]})
    assert isinstance(event, MessageEdited) and event.edit_count == 2


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
            timestamp=at(1785312700000),
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


@pytest.mark.parametrize("stamp", ["1785312004523", True, 10**40, None])
def test_a_message_without_a_valid_time_is_kept_with_the_entrys_time(stamp: Any) -> None:
    item = {"sender": {"id": PSID}, "timestamp": stamp, "message": {"mid": "m", "text": "hi"}}
    body = {"object": "page", "entry": [{"id": PAGE, "time": 1785312004871, "messaging": [item]}]}
    [event, note] = ADAPTER.parse(body)
    assert isinstance(event, InboundMessage)
    assert (event.message_id, event.text, event.timestamp) == ("m", "hi", at(1785312004871))
    assert isinstance(note, Note) and "entry's time" in note.text


def test_a_dateless_postback_gets_the_same_id_on_every_retry() -> None:
    item = {"sender": {"id": PSID}, "postback": {"title": "Go", "payload": "GO"}}
    body = {"object": "page", "entry": [{"id": PAGE, "messaging": [item]}]}
    first, second = ADAPTER.parse(body), ADAPTER.parse(body)
    assert isinstance(first[0], InboundMessage) and isinstance(second[0], InboundMessage)
    assert first[0].message_id == second[0].message_id
    assert first[0].message_id.startswith(f"postback:{PSID}:")


def test_numeric_ids_of_early_payloads_are_read_as_text() -> None:
    item = {
        "sender": {"id": 353463854777868},
        "recipient": {"id": 510512709009335},
        "timestamp": 1462830984715,
        "message": {"mid": "mid.1462830984670:67a9aebe4cecfdb528", "text": "Ahaha"},
    }
    [event] = ADAPTER.parse(
        {"object": "page", "entry": [{"id": 510512709009335, "messaging": [item]}]}
    )
    assert isinstance(event, InboundMessage)
    assert (event.account_id, event.sender_id) == ("510512709009335", "353463854777868")


def test_a_location_keeps_its_title_and_metas_map_link() -> None:
    """The shape Messenger sent in 2016 (title and url beside the payload), read in full."""
    url = "https://www.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps"
    attachment = {
        "title": "Kuan's Location",
        "url": url,
        "type": "location",
        "payload": {"coordinates": {"lat": 40.740507163823, "long": -74.007804460413}},
    }
    item = {
        "sender": {"id": PSID},
        "timestamp": 9,
        "message": {"mid": "m", "attachments": [attachment]},
    }
    [event] = ADAPTER.parse({"object": "page", "entry": [{"id": PAGE, "messaging": [item]}]})
    assert isinstance(event, InboundMessage) and event.kind is MessageKind.LOCATION
    assert event.attachments == (
        Attachment(
            type="location",
            details={
                "latitude": 40.740507163823,
                "longitude": -74.007804460413,
                "name": "Kuan's Location",
                "url": url,
            },
        ),
    )


def test_a_message_from_an_ad_carries_where_it_came_from() -> None:
    referral = {
        "ref": "r",
        "ad_id": "6045246247433",
        "source": "ADS",
        "type": "OPEN_THREAD",
        "ads_context_data": {"ad_title": "Blue sneakers", "photo_url": "https://x/y.jpg"},
    }
    item = {
        "sender": {"id": PSID},
        "timestamp": 9,
        "message": {"mid": "m", "text": "Still on sale?", "referral": referral},
    }
    [event] = ADAPTER.parse({"object": "page", "entry": [{"id": PAGE, "messaging": [item]}]})
    assert isinstance(event, InboundMessage)
    assert (event.kind, event.text) == (MessageKind.TEXT, "Still on sale?")
    assert event.attachments == (
        Attachment(
            type="referral",
            details={
                "source_type": "ADS",
                "ref": "r",
                "source_id": "6045246247433",
                "headline": "Blue sneakers",
                "source_url": "https://x/y.jpg",
            },
        ),
    )
