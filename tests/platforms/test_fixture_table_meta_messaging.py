"""Every Messenger and Instagram fixture through the whole app: the rows it must produce (kind,
text, attachments, direction, status), the Slack thread post people read (real slack_sdk and
Bolt against the fake Slack), the dashboard's REST answer, and a second post that changes
nothing. Sources of the fixtures: tests/fixtures/SOURCES.md, "Messenger and Instagram".
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from inbox.models import Conversation, Message, PlatformAccount
from tests.bot.conftest import Loop
from tests.factories import make_account, make_user
from tests.helpers import bearer, load_fixture

PSID = "<PSID>"
IG_REACTED_MID = "<MID_OF_ReactedTo_Message>"  # Meta's message_reactions placeholder
BT_TEXT_MID = "mid.$cAAE1UUyiiwthh0NPrVbVf4HFNDGl"
SENT = "ballot_box_with_check"
MAP = "https://www.google.com/maps/search/?api=1&query=0,0"


@dataclass(frozen=True)
class Row:
    """What one stored message must be after the fixture (the columns people see)."""

    mid: str
    kind: str
    content: str
    attachments: list[dict[str, Any]]
    incoming: bool = True
    status: str = "received"


Setup = Callable[[Loop, dict[str, PlatformAccount]], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """A fixture, what must be there before it, the row it leaves and how Slack shows it."""

    platform: str
    fixture: str
    row: Row
    slack: str | None = None  # the post's text; None: not compared (a file's fate varies)
    slack_starts: str | None = None
    marks: list[str] = field(default_factory=list)  # Slack reactions on the row's post
    setup: Setup | None = None


def _item(platform: str, account: str, sender: str, message: dict[str, Any]) -> dict[str, Any]:
    item = {
        "sender": {"id": sender},
        "recipient": {"id": account},
        "timestamp": 1458000000000,
        "message": message,
    }
    obj = "page" if platform == "messenger" else "instagram"
    return {"object": obj, "entry": [{"id": account, "time": 1458000000000, "messaging": [item]}]}


def customer_said(platform: str, sender: str, mid: str, text: str) -> Setup:
    """The customer's earlier message (via a webhook, so it is in the thread)."""

    async def setup(loop: Loop, accounts: dict[str, PlatformAccount]) -> None:
        account = accounts[platform].external_id
        body = _item(platform, account, sender, {"mid": mid, "text": text})
        await loop.webhook(platform, body)

    return setup


def customer_reacted(platform: str, sender: str, mid: str, text: str) -> Setup:
    """The customer's earlier message and their reaction to it (the platform's fixture)."""
    said = customer_said(platform, sender, mid, text)

    async def setup(loop: Loop, accounts: dict[str, PlatformAccount]) -> None:
        await said(loop, accounts)
        await loop.webhook(platform, load_fixture(platform, "reaction"))

    return setup


def we_sent(platform: str, customer: str, mid: str, at: datetime) -> Setup:
    """An earlier reply of ours to the customer, status sent."""

    async def setup(loop: Loop, accounts: dict[str, PlatformAccount]) -> None:
        account = accounts[platform]
        conversation, _ = await Conversation.get_or_create(
            platform_account=account,
            participant_id=customer,
            defaults={"workspace_id": account.workspace_id},
        )
        await Message.create(
            workspace_id=account.workspace_id,
            platform_account=account,
            conversation=conversation,
            platform_message_id=mid,
            content="Sure, it ships tomorrow.",
            is_incoming=False,
            is_read=True,
            status="sent",
            source="api",
            agent="Ana",
            received_at=at,
        )

    return setup


EDIT = {"type": "edit", "count": 1, "previous": "before", "at": "2016-03-22T17:47:36.463000+00:00"}

CASES = [
    # --- Messenger ---
    Case(
        "messenger",
        "text",
        Row(BT_TEXT_MID, "text", "Sharp tools make good work.", []),
        "Sharp tools make good work.",
    ),
    Case(
        "messenger",
        "quick_reply",
        Row("mid.1457764197618:41d102a3e1ae206a38", "quick_reply", "hello, world!", []),
        "hello, world! _(quick reply)_",
    ),
    Case(
        "messenger",
        "reply_to",
        Row("m_1457764197618:41d102a3e1ae206a38", "text", "hello, world!", []),
        "_↩ in reply_\nhello, world!",
    ),
    *(
        Case(
            "messenger",
            kind,
            Row("mid.$cAAE1UUyiiwthh1ZAO1bVhDxGk2N0", "media", "", [{"type": kind, "url": url}]),
            slack_starts=f"_sent {words}",
        )
        for kind, url, words in [
            (
                "image",
                "https://scontent.xx.fbcdn.net/v/t35.0-12/17887258_1429713783754592_1626047672_o"
                ".jpg?_nc_ad=z-m&oh=e44af5a4c973541ef56333202f160720&oe=58ECF78B",
                "a photo",
            ),
            ("audio", "https://example.com/bot/audios/audio.mp3", "a voice message"),
            ("video", "https://example.com/bot/videos/video.mp4", "a video"),
            ("file", "https://example.com/bot/files/file.doc", "a file"),
        ]
    ),
    Case(
        "messenger",
        "location",
        Row(
            "mid.$cAAE1UUyiiwthh1ZAO1bVhDxGk2N0",
            "location",
            "",
            [{"type": "location", "details": {"latitude": 0, "longitude": 0}}],
        ),
        f"_shared a location_\n<{MAP}|Open in maps (0, 0)>",
    ),
    Case(
        "messenger",
        "fallback",
        Row(
            "mid.$cAAE1UUyiiwthh1ZAO1bVhDxGk2N0",
            "share",
            "",
            [
                {
                    "type": "fallback",
                    "url": "URL_OF_THE_ATTACHMENT",
                    "details": {"title": "TITLE_OF_THE_URL_ATTACHMENT"},
                }
            ],
        ),
        "TITLE_OF_THE_URL_ATTACHMENT\n_sent a link:_ URL_OF_THE_ATTACHMENT",
    ),
    Case(
        "messenger",
        "postback",
        Row(
            "postback:1476077422222289:1522222894827",
            "postback",
            "Get Started",
            [{"type": "referral", "details": {"source_type": "SHORTLINK", "ref": "aaaa"}}],
        ),
        "_tapped the button “Get Started”_\n_came from an m.me link (ref aaaa)_",
    ),
    Case(
        "messenger",
        "referral_mme",
        Row(
            "referral:1476077111119289:1511111143921",
            "referral",
            "",
            [{"type": "referral", "details": {"source_type": "SHORTLINK", "ref": "aaaa"}}],
        ),
        "_came from an m.me link (ref aaaa)_",
    ),
    Case(
        "messenger",
        "referral_ad",
        Row(
            f"referral:{PSID}:1458692752478",
            "referral",
            "",
            [
                {
                    "type": "referral",
                    "details": {
                        "source_type": "ADS",
                        "ref": "<REF_DATA_IF_SPECIFIED_IN_THE_AD>",
                        "source_id": "<ID_OF_THE_AD>",
                        "headline": "<TITLE_OF_THE_AD>",
                        "source_url": "<URL_OF_THE_IMAGE_FROM_AD_THE_USER_IS_INTERESTED_IN>",
                        "post_id": "<ID_OF_THE_POST>",
                    },
                }
            ],
        ),
        "_came from the ad “&lt;TITLE_OF_THE_AD&gt;” "
        "(ref &lt;REF_DATA_IF_SPECIFIED_IN_THE_AD&gt;)_",
    ),
    Case(
        "messenger",
        "echo",
        Row("mid.1457764197618:41d102a3e1ae206a38", "text", "hello, world!", [], False, "sent"),
        "hello, world!",
        marks=[SENT],
    ),
    Case(
        "messenger",
        "standby_template_echo",
        Row(
            "qT7ywaKpO9kkQR7Gv-nM8LIfLZDamVrALniheUYEDdHJXjDXEAyaS1xxONzb2Iv-DFzmTihfWJV012P5pK0AhQ",
            "template",
            "",
            [{"type": "template", "url": "https://www.facebook.com/commerce/update/"}],
            False,
            "sent",
        ),
        "_sent a template message_\n_sent a template:_ https://www.facebook.com/commerce/update/",
        marks=[SENT],
    ),
    Case(
        "messenger",
        "reaction",
        Row(BT_TEXT_MID, "text", "Sharp tools make good work.", []),
        "Sharp tools make good work.",
        marks=["heart"],
        setup=customer_said(
            "messenger", "1476077422222289", BT_TEXT_MID, "Sharp tools make good work."
        ),
    ),
    Case(
        "messenger",
        "unreaction",
        Row(BT_TEXT_MID, "text", "Sharp tools make good work.", []),
        "Sharp tools make good work.",
        marks=[],
        setup=customer_said(
            "messenger", "1476077422222289", BT_TEXT_MID, "Sharp tools make good work."
        ),
    ),
    Case(
        "messenger",
        "delivery",
        Row(
            "mid.1458668856218:ed81099e15d3f4f233",
            "text",
            "Sure, it ships tomorrow.",
            [],
            False,
            "delivered",
        ),
        "Sure, it ships tomorrow.",
        marks=["white_check_mark"],
        setup=we_sent(
            "messenger",
            PSID,
            "mid.1458668856218:ed81099e15d3f4f233",
            datetime(2016, 3, 22, 17, 47, 36, tzinfo=UTC),
        ),
    ),
    Case(
        "messenger",
        "read",
        Row("m_ours", "text", "Sure, it ships tomorrow.", [], False, "read"),
        "Sure, it ships tomorrow.",
        marks=["eyes"],
        setup=we_sent("messenger", PSID, "m_ours", datetime(2016, 3, 22, 17, 47, 36, tzinfo=UTC)),
    ),
    Case(
        "messenger",
        "message_edit",
        Row("<MESSAGE_ID>", "text", "<TEXT>", [EDIT]),
        "&lt;TEXT&gt; _(edited)_",
        setup=customer_said("messenger", PSID, "<MESSAGE_ID>", "before"),
    ),
    # --- Instagram ---
    Case(
        "instagram",
        "text",
        Row("MESSAGE-ID", "text", "MESSAGE-TEXT", []),
        "MESSAGE-TEXT",
    ),
    Case(
        "instagram",
        "quick_reply",
        Row("<MID>", "quick_reply", "<SOME_TEXT>", []),
        "&lt;SOME_TEXT&gt; _(quick reply)_",
    ),
    Case(
        "instagram",
        "standby",
        Row(
            "message-id-1",
            "text",
            "This is the first standby message from the customer, after 24 hours.",
            [],
        ),
        "This is the first standby message from the customer, after 24 hours.",
    ),
    Case(
        "instagram",
        "image",
        Row(
            "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
            "media",
            "",
            [{"type": "image", "url": "<ATTACHMENT_URL>"}],
        ),
        slack_starts="_sent a photo",
    ),
    Case(
        "instagram",
        "share",
        Row(
            "message-id-1",
            "share",
            "",
            [
                {
                    "type": "share",
                    "url": "https://imagekit.io/blog/content/images/2020/05/media_library.jpeg",
                }
            ],
        ),
        "_sent a shared post:_ https://imagekit.io/blog/content/images/2020/05/media_library.jpeg",
    ),
    Case(
        "instagram",
        "ig_reel",
        Row(
            "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
            "share",
            "",
            [{"type": "ig_reel", "url": "<ATTACHMENT_URL>"}],
        ),
        "_sent a reel:_ &lt;ATTACHMENT_URL&gt;",
    ),
    Case(
        "instagram",
        "story_mention",
        Row("<MESSAGE_ID>", "story_mention", "", [{"type": "story_mention", "url": "<CDN_URL>"}]),
        "_mentioned Shop IG in their story_",  # Meta's placeholder is no link to show
    ),
    Case(
        "instagram",
        "story_reply",
        Row(
            "message-id-1",
            "story_reply",
            "This is the story reply",
            [
                {
                    "type": "story",
                    "url": "https://chatwoot-assets.local/sample.png",
                    "details": {"story_id": "chatwoot-app-user-id-1"},
                }
            ],
        ),
        "_replied to your story_\nThis is the story reply\n"
        "<https://chatwoot-assets.local/sample.png|open the story>",
    ),
    Case(
        "instagram",
        "postback",
        Row(
            "postback:<IGSID>:1502905976377",
            "postback",
            "<SELECTED_ICEBREAKER_QUESTION>",
            [],
        ),
        "_tapped the button “&lt;SELECTED_ICEBREAKER_QUESTION&gt;”_",
    ),
    Case(
        "instagram",
        "unsupported",
        Row(
            "unsupported-message-id-1",
            "unsupported",
            "",
            [
                {
                    "type": "unsupported",
                    "details": {
                        "kind": "unsupported",
                        "raw": {"mid": "unsupported-message-id-1", "is_unsupported": True},
                    },
                }
            ],
        ),
        "_Instagram customer …id-1 sent a message cahts cannot show yet (unsupported)_",
    ),
    Case(
        "instagram",
        "echo",
        Row("mid.1457764197618:41d102a3e1ae206a38", "text", "hello, world!", [], False, "sent"),
        "hello, world!",
        marks=[SENT],
    ),
    Case(
        "instagram",
        "reaction",
        Row(IG_REACTED_MID, "text", "love it", []),
        "love it",
        marks=["heart"],
        setup=customer_said("instagram", PSID, IG_REACTED_MID, "love it"),
    ),
    Case(
        "instagram",
        "unreaction",
        Row(IG_REACTED_MID, "text", "love it", []),
        "love it",
        marks=[],  # the heart the reaction left is taken off
        setup=customer_reacted("instagram", PSID, IG_REACTED_MID, "love it"),
    ),
    Case(
        "instagram",
        "seen",
        Row("message-id-1", "text", "Sure, it ships tomorrow.", [], False, "read"),
        "Sure, it ships tomorrow.",
        marks=["eyes"],
        setup=we_sent("instagram", "Sender-id-1", "message-id-1", datetime(2021, 9, 8, tzinfo=UTC)),
    ),
    Case(
        "instagram",
        "deleted",
        Row("message-id-to-delete", "text", "", []),
        "_Instagram customer …id-1 unsent this message._",
        setup=customer_said("instagram", "Sender-id-1", "message-id-to-delete", "oops"),
    ),
    Case(
        "instagram",
        "message_edit",
        Row("<MESSAGE_ID>", "text", "<TEXT>", [EDIT]),
        "&lt;TEXT&gt; _(edited)_",
        setup=customer_said("instagram", PSID, "<MESSAGE_ID>", "before"),
    ),
]


@pytest.fixture
async def accounts(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> dict[str, PlatformAccount]:
    """The Page (the loop's) and an Instagram account; old fixture times are still mirrored."""
    monkeypatch.setenv("SLACK_MIRROR_MAX_AGE_DAYS", "36500")
    instagram = await make_account(
        loop.workspace, "instagram", key=loop.settings.token_encryption_keys[0], name="Shop IG"
    )
    return {"messenger": loop.account, "instagram": instagram}


async def _rows() -> list[dict[str, Any]]:
    return (
        await Message.all()
        .order_by("platform_message_id")
        .values("platform_message_id", "kind", "content", "attachments", "is_incoming", "status")
    )


def _edits_without_time(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An edit's `at` is its webhook's time; the rest is compared literally."""
    return [{**a, "at": EDIT["at"]} if a.get("type") == "edit" else a for a in attachments]


async def _rest_item(loop: Loop, message: Message) -> dict[str, Any]:
    user = await make_user(loop.workspace, email=f"agent-{message.id}@example.com")
    response = await loop.client.get(
        f"/api/conversations/{message.conversation_id}/messages?limit=100",
        headers=await bearer(user, loop.settings.jwt_secret),
    )
    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    return next(i for i in items if i["platform_message_id"] == message.platform_message_id)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.platform}-{c.fixture}")
async def test_fixture_is_stored_mirrored_and_served_once(
    case: Case, loop: Loop, accounts: dict[str, PlatformAccount]
) -> None:
    if case.setup is not None:
        await case.setup(loop, accounts)
    body = load_fixture(case.platform, case.fixture)
    await loop.webhook(case.platform, body)

    message = await Message.get(
        platform_account_id=accounts[case.platform].id,
        platform_message_id=case.row.mid,
    )
    assert (
        message.kind,
        message.content,
        _edits_without_time(message.attachments),
        message.is_incoming,
        message.status,
    ) == (
        case.row.kind,
        case.row.content,
        case.row.attachments,
        case.row.incoming,
        case.row.status,
    )

    assert message.slack_ts is not None, "the message is in the Slack thread"
    post = next(m for m in loop.slack.messages if m["ts"] == message.slack_ts)
    if case.slack is not None:
        assert post["text"] == case.slack
    if case.slack_starts is not None:
        assert post["text"].startswith(case.slack_starts)
    assert loop.slack.marks(post["channel"], post["ts"]) == case.marks

    shown = await _rest_item(loop, message)
    assert (shown["kind"], shown["content"], shown["is_incoming"], shown["status"]) == (
        case.row.kind,
        case.row.content,
        case.row.incoming,
        case.row.status,
    )
    assert _edits_without_time(shown["attachments"]) == case.row.attachments

    rows, calls = await _rows(), len(loop.slack.calls)
    await loop.webhook(case.platform, json.loads(json.dumps(body)))  # Meta's retry
    assert await _rows() == rows
    assert len(loop.slack.calls) == calls, "a retry posts nothing to Slack"
