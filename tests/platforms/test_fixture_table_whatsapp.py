"""WhatsApp's fixture table: every fixture in tests/fixtures/whatsapp/ (copied from real
sources, see tests/fixtures/SOURCES.md) through the whole app: stored rows, Slack thread posts
(real Bolt/slack_sdk on the fake Slack), the REST answer, and a second post changing nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from inbox.models import Message, PlatformAccount
from tests.bot.conftest import Loop
from tests.factories import make_conversation
from tests.helpers import FIXTURES, load_fixture
from tests.platforms.fixture_table import Case, Row, check_case

CUSTOMER = "972987654321"
MAP = "https://www.google.com/maps/search/?api=1&query="


def raw(name: str) -> dict[str, Any]:
    """The fixture's message item as Meta sent it (what an unsupported row keeps)."""
    item = load_fixture("whatsapp", name)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert isinstance(item, dict)
    return item


def ours(
    message_id: str, status: str = "sent"
) -> Callable[[Loop, PlatformAccount], Awaitable[None]]:
    """A `before` step: our earlier message to the customer (the mirror posts it)."""

    async def make(loop: Loop, account: PlatformAccount) -> None:
        conversation = await make_conversation(account, CUSTOMER, name="Test Name")
        await Message.create(
            workspace_id=account.workspace_id,  # type: ignore[attr-defined]
            platform_account_id=account.id,
            conversation=conversation,
            platform_message_id=message_id,
            sender_id=account.external_id,
            content="Our answer",
            is_incoming=False,
            is_read=True,
            status=status,
            source="api",
            agent="Ana",
            received_at=datetime(2023, 7, 1, tzinfo=UTC),
        )

    return make


def media(kind: str, media_id: str, mime: str, **extra: Any) -> dict[str, Any]:
    """A stored media attachment."""
    return {"type": kind, "mime_type": mime, "media_id": media_id, **extra}


# What pywa's status samples say Meta bills (their `pricing` and `conversation`).
EXPIRES = "2023-10-26T17:05:00+00:00"
BILLED = "billed by Meta as a service conversation"


def billing(**extra: Any) -> dict[str, Any]:
    """The `billing` entry a status with pywa's pricing/conversation leaves on our message."""
    details = {
        "category": "service",
        "pricing_model": "CBP",
        "billable": True,
        "conversation_id": "7270432eae37498234f4444b35ffc5",
        "origin": "service",
    }
    return {"type": "billing", "details": {**details, **extra}}


CASES = [
    Case("text", [Row("text", "Body Text", [])], ["Body Text"]),
    Case(
        "text_reply",
        [Row("text", "replied text", [])],
        ["_↩ in reply_\nreplied text"],
    ),
    Case(
        "image",
        [Row("media", "", [media("image", "65463453", "image/jpeg")])],
        ["_sent a photo_"],
        files=["image-1.jpg"],
    ),
    Case(
        "video",
        [Row("media", "", [media("video", "765756756", "video/mp4", caption="caption")])],
        ["caption\n_sent a video_"],
        files=["video-1.mp4"],
    ),
    Case(
        "audio",
        [
            Row(
                "media",
                "",
                [
                    media(
                        "audio",
                        "1234567890987654321",
                        "audio/ogg; codecs=opus",
                        details={"voice": False},
                    )
                ],
            )
        ],
        ["_sent an audio file_"],
        files=["audio-1.oga"],
    ),
    Case(
        "voice",
        [
            Row(
                "media",
                "",
                [
                    media(
                        "audio",
                        "1234567890987654321",
                        "audio/ogg; codecs=opus",
                        details={"voice": True},
                    )
                ],
            )
        ],
        ["_sent a voice message_"],
        files=["audio-1.oga"],
    ),
    Case(
        "document",
        [
            Row(
                "media",
                "",
                [
                    media(
                        "document",
                        "1234567890987654321",
                        "application/pdf",
                        caption="caption",
                        filename="filename.pdf",
                    )
                ],
            )
        ],
        ["caption\n_sent a document “filename.pdf”_"],
        files=["filename.pdf"],
    ),
    Case(
        "sticker",
        [
            Row(
                "media",
                "",
                [
                    media(
                        "sticker",
                        "1234567890987654321",
                        "image/webp",
                        details={"animated": False},
                    )
                ],
            )
        ],
        ["_sent a sticker_"],
        files=["sticker-1.webp"],
    ),
    Case(
        "sticker_animated",
        [
            Row(
                "media",
                "",
                [
                    media(
                        "sticker",
                        "1234567890987654321",
                        "image/webp",
                        details={"animated": True},
                    )
                ],
            )
        ],
        ["_sent an animated sticker_"],
        files=["sticker-1.webp"],
    ),
    Case(
        "location",
        [
            Row(
                "location",
                "",
                [
                    {
                        "type": "location",
                        "details": {
                            "latitude": 37.4611978,
                            "longitude": -122.2164385,
                            "name": "Facebook HQ",
                            "address": "1 Hacker Way, Menlo Park, CA 94025",
                            "url": "https://maps.google.com/?cid=2000000000000000000",
                        },
                    }
                ],
            )
        ],
        [
            "_shared a location_\n"
            "Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025\n"
            f"<{MAP}37.4611978,-122.2164385|Open in maps (37.4611978, -122.2164385)>\n"
            "<https://maps.google.com/?cid=2000000000000000000|Place link>"
        ],
        display=[
            [
                "shared a location",
                "Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025",
                "Open in maps (37.4611978, -122.2164385)",
                "Place link",
            ]
        ],
    ),
    Case(
        "location_current",
        [
            Row(
                "location",
                "",
                [{"type": "location", "details": {"latitude": 12.25089, "longitude": 43.90539}}],
            )
        ],
        [f"_shared a location_\n<{MAP}12.25089,43.90539|Open in maps (12.25089, 43.90539)>"],
    ),
    Case(
        "contacts",
        [
            Row(
                "contacts",
                "",
                [
                    {
                        "type": "contacts",
                        "details": {
                            "contacts": [
                                {"name": "Chandler Bing", "phones": ["+1 555-555-5555"]},
                                {"name": "Monica", "phones": ["+1 666-666-6666"]},
                                {"name": "Rachel Green", "phones": ["+1 777-777-7777"]},
                            ]
                        },
                    }
                ],
            )
        ],
        [
            "_shared 3 contacts_\nChandler Bing: +1 555-555-5555\nMonica: +1 666-666-6666\n"
            "Rachel Green: +1 777-777-7777"
        ],
        display=[
            [
                "shared 3 contacts",
                "Chandler Bing: +1 555-555-5555",
                "Monica: +1 666-666-6666",
                "Rachel Green: +1 777-777-7777",
            ]
        ],
    ),
    Case(
        "order",
        [
            Row(
                "order",
                "",
                [
                    {
                        "type": "order",
                        "details": {
                            "catalog_id": "354160437058781",
                            "items": [
                                {
                                    "product": "HAMBURGER",
                                    "quantity": 3,
                                    "price": 30,
                                    "currency": "ILS",
                                },
                                {
                                    "product": "FRENCH_FRIES",
                                    "quantity": 2,
                                    "price": 35,
                                    "currency": "ILS",
                                },
                                {"product": "SODA", "quantity": 2, "price": 10, "currency": "ILS"},
                            ],
                        },
                    }
                ],
            )
        ],
        [
            "_placed an order (catalog 354160437058781)_\n"
            "3 × HAMBURGER at 30 ILS = 90 ILS\n"
            "2 × FRENCH_FRIES at 35 ILS = 70 ILS\n"
            "2 × SODA at 10 ILS = 20 ILS\n"
            "Total: 180 ILS"
        ],
        display=[
            [
                "placed an order (catalog 354160437058781)",
                "3 × HAMBURGER at 30 ILS = 90 ILS",
                "2 × FRENCH_FRIES at 35 ILS = 70 ILS",
                "2 × SODA at 10 ILS = 20 ILS",
                "Total: 180 ILS",
            ]
        ],
    ),
    Case(  # this sample's context.id is its own id: the reply quotes itself
        "interactive_button_reply",
        [Row("quick_reply", "title", [])],
        ["_↩ in reply to “title”_\ntitle _(quick reply)_"],
    ),
    Case(
        "interactive_list_reply",
        [Row("quick_reply", "title", [])],
        ["_↩ in reply_\ntitle _(quick reply)_"],
    ),
    Case(
        "button",
        [Row("quick_reply", "title", [])],
        ["_↩ in reply_\ntitle _(quick reply)_"],
    ),
    Case(
        "interactive_nfm_reply",
        [
            Row(
                "form_reply",
                "Sent",
                [
                    {
                        "type": "form",
                        "details": {
                            "name": "flow",
                            "answers": [
                                {"field": "comment_text", "answer": "Comment Text"},
                                {"field": "delivery_rating", "answer": "4"},
                                {"field": "purchase_rating", "answer": "2"},
                                {"field": "recommend_radio", "answer": "0"},
                                {"field": "cs_rating", "answer": "0"},
                            ],
                        },
                    }
                ],
            )
        ],
        [
            "_↩ in reply_\nSent\n_filled in the form “flow”_\ncomment_text: Comment Text\n"
            "delivery_rating: 4\npurchase_rating: 2\nrecommend_radio: 0\ncs_rating: 0"
        ],
    ),
    Case(
        "referral",
        [
            Row(
                "text",
                "BODY",
                [
                    {
                        "type": "referral",
                        "details": {
                            "headline": "AD_TITLE",
                            "body": "AD_DESCRIPTION",
                            "source_url": "AD_OR_POST_FB_URL",
                            "source_type": "ad or post",
                            "source_id": "ADID",
                        },
                    }
                ],
            )
        ],
        ["BODY\n_came from the ad “AD_TITLE”_"],
        display=[["came from the ad “AD_TITLE”"]],
    ),
    Case(
        "system_user_changed_number",
        [
            Row(
                "system",
                "User A changed from 972987654321 to 972912345678",
                [
                    {
                        "type": "system",
                        "details": {
                            "text": "User A changed from 972987654321 to 972912345678",
                            "event": "user_changed_number",
                            "new_id": "972912345678",
                        },
                    }
                ],
            )
        ],
        [
            "User A changed from 972987654321 to 972912345678\n"
            "_WhatsApp customer …4321 changed their phone number (now 972912345678)_"
        ],
        display=[["The customer changed their phone number (now 972912345678)"]],
    ),
    Case(
        "system_identity_changed",
        [
            Row(
                "system",
                "User identity changed",
                [
                    {
                        "type": "system",
                        "details": {
                            "text": "User identity changed",
                            "event": "customer_identity_changed",
                        },
                    }
                ],
            )
        ],
        [
            "User identity changed\n_User A has a new security code "
            "(reinstalled WhatsApp or changed phone)_"
        ],
    ),
    Case(
        "unsupported_with_type",
        [
            Row(
                "unsupported",
                "",
                [
                    {
                        "type": "unsupported",
                        "details": {"kind": "pool", "raw": raw("unsupported_with_type")},
                    }
                ],
            )
        ],
        ["_Test Name sent a message cahts cannot show yet (pool)_"],
        display=[["Test Name sent a message cahts cannot show yet (pool)"]],
    ),
    Case(
        "unsupported",
        [
            Row(
                "unsupported",
                "",
                [
                    {
                        "type": "unsupported",
                        "details": {"kind": "unknown", "raw": raw("unsupported")},
                    }
                ],
            )
        ],
        ["_Test Name sent a message cahts cannot show yet (unknown)_"],
    ),
    Case(
        "interactive_without_reply",
        [
            Row(
                "unsupported",
                "",
                [
                    {
                        "type": "unsupported",
                        "details": {"kind": "interactive", "raw": raw("interactive_without_reply")},
                    }
                ],
            )
        ],
        ["_↩ in reply_\n_Test Name sent a message cahts cannot show yet (interactive)_"],
    ),
    Case(
        "reaction",
        [Row("text", "Our answer", [], "out", "sent", reaction="😮")],
        ["Our answer"],
        before=ours("wamid.yzxyzx="),
        marks=[["open_mouth", "ballot_box_with_check"]],
    ),
    Case(
        "status_sent",
        [Row("text", "Our answer", [billing(expires_at=EXPIRES)], "out", "sent")],
        ["Our answer"],  # billing is not posted: the status is a mark on the post
        [[BILLED]],
        before=ours("wamid.xyzxyz", "pending"),
        marks=[["ballot_box_with_check"]],
    ),
    Case(
        "status_delivered",
        [Row("text", "Our answer", [billing()], "out", "delivered")],
        ["Our answer"],
        [[BILLED]],
        before=ours("wamid.xyzxyz"),
        marks=[["white_check_mark"]],
    ),
    Case(
        "status_read",
        [Row("text", "Our answer", [billing()], "out", "read")],
        ["Our answer"],
        [[BILLED]],
        before=ours("wamid.xyzxyz"),
        marks=[["eyes"]],
    ),
    Case(
        "status_failed",
        [
            Row(
                "text",
                "Our answer",
                [],
                "out",
                "failed",
                "User's number is part of an experiment: Failed to send message because this "
                "user's phone number is part of an experiment",
            )
        ],
        [
            "Our answer",
            "Not delivered to Test Name: the platform refused the message (Meta: User's number "
            "is part of an experiment: Failed to send message because this user's phone number "
            "is part of an experiment, code 130472)",
        ],
        before=ours("wamid.xyzxyz"),
        marks=[["x"]],
    ),
    Case(
        "smb_message_echo",
        [Row("text", "Test message", [], "out", "sent")],
        ["Test message"],
    ),
    # Not a message: it changes a template's status (tests/services/test_templates.py).
    Case("template_status_update", [], []),
]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_fixture(table_loop: Loop, case: Case) -> None:
    await check_case(table_loop, "whatsapp", case)


def test_every_whatsapp_fixture_has_a_case() -> None:
    on_disk = {p.stem for p in (FIXTURES / "whatsapp").glob("*.json")}
    covered = {case.fixture for case in CASES} | {"unreaction"}  # parsed in test_whatsapp.py
    assert on_disk == covered


def test_the_table_covers_every_kind_the_issue_lists() -> None:
    stored = {row.kind for case in CASES for row in case.rows}
    assert {"text", "media", "location", "contacts", "order", "quick_reply"} <= stored
    assert {"form_reply", "system", "unsupported"} <= stored
    assert Path(FIXTURES, "SOURCES.md").is_file()
