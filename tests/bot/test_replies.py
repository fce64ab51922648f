"""Slack → customer: thread replies through the real Bolt app to the fake Graph API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.models import Conversation, Message, Outbox, SlackEvent
from inbox.services.ingest.pipeline import ingest
from inbox.services.sending.outbox import queue_reply
from inbox.tasks.sending import enqueue_sends
from tests.bot.conftest import (
    AGENT,
    CHANNEL,
    CUSTOMER,
    Loop,
    messenger_items,
    messenger_text,
    now_ms,
    settle,
)
from tests.fakes.graph import graph_error
from tests.fakes.slack import BOT_ID, BOT_USER, TEAM

SEND_PATH = "/104578291736452/messages"


async def _thread_with_customer(
    loop: Loop, text: str = "Is the blue one in stock?"
) -> Conversation:
    await loop.webhook("messenger", messenger_text(text))
    return await Conversation.get()


def _echo(mid: str, text: str) -> dict[str, Any]:
    return messenger_items(
        [
            {
                "sender": {"id": "104578291736452"},
                "recipient": {"id": CUSTOMER},
                "timestamp": now_ms(),
                "message": {"mid": mid, "is_echo": True, "text": text},
            }
        ]
    )


async def test_a_reply_reaches_the_customer_credited_to_the_agent(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    response, ts = await loop.reply(conversation, "Yes, in blue!")
    assert response.status == 200

    [sent] = loop.graph.sent()
    assert sent.path == SEND_PATH
    assert sent.json["recipient"] == {"id": CUSTOMER}
    assert sent.json["message"] == {"text": "Yes, in blue!"}
    assert sent.authorization == "Bearer EAA-test-token"
    reply = await Message.get(is_incoming=False)
    assert (reply.agent, reply.agent_slack_user, reply.source) == ("Ana Agent", AGENT, "slack")
    assert (reply.slack_ts, reply.status, reply.platform_message_id) == (ts, "sent", "m_FAKE000001")
    assert loop.slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]
    assert len(loop.slack.thread(CHANNEL, conversation.slack_thread_ts or "")) == 1  # not echoed


async def test_slack_markup_becomes_what_a_customer_can_read(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    await loop.reply(conversation, "See <https://shop.example/blue|the blue one> :+1: &amp; more")
    [sent] = loop.graph.sent()
    assert sent.json["message"]["text"] == "See the blue one (https://shop.example/blue) 👍 & more"


async def test_note_lines_stay_internal(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    await loop.reply(conversation, "note: stock checked with Bob\nYes, we have it\n// ask Bob")
    await loop.reply(conversation, "note: this whole message is for the team")
    await loop.reply(conversation, "// so is this one")

    assert [r.json["message"]["text"] for r in loop.graph.sent()] == ["Yes, we have it"]
    assert await Message.filter(is_incoming=False).count() == 1
    assert await SlackEvent.all().count() == 3


async def test_a_retried_event_sends_once(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    first, _ = await loop.reply(conversation, "Only once please", event_id="Ev0RETRIED")
    event = {
        "type": "message",
        "channel": conversation.slack_channel,
        "user": AGENT,
        "text": "Only once please",
        "ts": "1800000000.000100",
        "thread_ts": conversation.slack_thread_ts,
    }
    again = await loop.event(event, "Ev0RETRIED")
    assert (first.status, again.status) == (200, 200)
    assert len(loop.graph.sent()) == 1
    assert await Message.filter(is_incoming=False).count() == 1


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"user": BOT_USER, "bot_id": BOT_ID}, id="our-own-bot"),
        pytest.param({"bot_id": "B0OTHER", "subtype": "bot_message"}, id="another-bot"),
        pytest.param({"bot_id": "B0OTHER"}, id="another-bot-as-user"),
        pytest.param({"subtype": "message_changed"}, id="edit"),
        pytest.param({"subtype": "message_deleted"}, id="deletion"),
        pytest.param({"subtype": "thread_broadcast"}, id="broadcast"),
        pytest.param({"subtype": "channel_join"}, id="join"),
        pytest.param({"thread_ts": None}, id="top-level"),
        pytest.param({"thread_ts": "1111111111.000001"}, id="unknown-thread"),
        pytest.param({"channel": "C0ELSEWHERE"}, id="other-channel"),
    ],
)
async def test_what_is_not_a_human_thread_reply_is_never_sent(
    loop: Loop, extra: dict[str, Any]
) -> None:
    conversation = await _thread_with_customer(loop)
    posts_before = len(loop.slack.messages)
    response, _ = await loop.reply(conversation, "should not reach the customer", **extra)

    assert response.status == 200
    assert loop.graph.sent() == []
    assert await Message.filter(is_incoming=False).count() == 0
    assert await Outbox.all().count() == 0
    assert await SlackEvent.all().count() == 0
    assert len(loop.slack.messages) == posts_before


async def test_the_thread_root_itself_is_not_a_reply(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    root = conversation.slack_thread_ts
    response, _ = await loop.reply(conversation, "root", ts=root)
    assert response.status == 200
    assert loop.graph.sent() == []


@pytest.mark.parametrize(
    ("platform", "age"), [("messenger", timedelta(days=8)), ("whatsapp", timedelta(hours=25))]
)
async def test_a_reply_past_the_window_is_refused_and_the_thread_says_why(
    loop: Loop, platform: str, age: timedelta
) -> None:
    from tests.factories import make_account, make_conversation

    account = loop.account
    if platform == "whatsapp":
        account = await make_account(
            loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0]
        )
    conversation = await make_conversation(account, "16505551234", customer_wrote=age)
    await Conversation.filter(id=conversation.id).update(
        slack_channel=CHANNEL, slack_thread_ts="1700000000.000001"
    )
    await conversation.refresh_from_db()

    _, ts = await loop.reply(conversation, "Sorry for the wait!")

    assert loop.graph.requests == []
    assert await Message.filter(is_incoming=False).count() == 0
    [notice] = loop.slack.thread(CHANNEL, "1700000000.000001")
    assert notice["text"].startswith(":no_entry: *Not sent to the customer:* the reply window")
    assert loop.slack.marks(CHANNEL, ts) == ["x"]


async def test_between_one_and_seven_days_the_human_agent_tag_is_used(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    await Conversation.filter(id=conversation.id).update(
        last_incoming_at=datetime.now(UTC) - timedelta(days=3)
    )
    await loop.reply(conversation, "Following up")
    [sent] = loop.graph.sent()
    assert (sent.json["messaging_type"], sent.json["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_a_failure_is_explained_in_the_thread_and_retry_sends_it(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    loop.graph.script("POST", SEND_PATH, graph_error(551, "This person isn't available now."))
    _, ts = await loop.reply(conversation, "Your order shipped")

    reply = await Message.get(is_incoming=False)
    assert reply.status == "failed"
    assert loop.slack.marks(CHANNEL, ts) == ["x"]
    notice = loop.slack.thread(CHANNEL, conversation.slack_thread_ts or "")[-1]
    assert "Not delivered" in notice["text"]
    assert "isn't available right now" in notice["text"]
    button = notice["blocks"][1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("retry_send", str(reply.id))

    response = await loop.click(_button_press(conversation, notice, str(reply.id)))
    assert response.status == 200

    assert len(loop.graph.sent()) == 2
    await reply.refresh_from_db()
    assert reply.status == "sent"
    assert loop.slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]
    assert notice["text"].startswith(f"Retried by <@{AGENT}>")
    assert "blocks" in notice and "actions" not in str(notice["blocks"])

    again = await loop.click(_button_press(conversation, notice, str(reply.id)))
    assert again.status == 200
    assert len(loop.graph.sent()) == 2  # a second press does not send twice
    [ephemeral] = loop.slack.called("chat.postEphemeral")
    assert "not failed any more" in ephemeral.args["text"]


def _button_press(conversation: Conversation, notice: dict[str, Any], value: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": AGENT, "username": "ana", "team_id": TEAM},
        "api_app_id": "A0CAHTS",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": notice["ts"],
            "channel_id": CHANNEL,
            "is_ephemeral": False,
            "thread_ts": conversation.slack_thread_ts,
        },
        "trigger_id": "1.2.3",
        "team": {"id": TEAM, "domain": "acme"},
        "channel": {"id": CHANNEL, "name": "support"},
        "message": {
            "type": "message",
            "ts": notice["ts"],
            "thread_ts": conversation.slack_thread_ts,
            "text": notice["text"],
            "bot_id": BOT_ID,
        },
        "response_url": "https://hooks.slack.invalid/actions/T0TEST/1/abc",
        "actions": [
            {
                "action_id": "retry_send",
                "block_id": "b1",
                "type": "button",
                "value": value,
                "action_ts": "1800000000.000200",
            }
        ],
    }


async def test_status_marks_follow_delivery_and_read(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    _, ts = await loop.reply(conversation, "On its way")
    assert loop.slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]

    receipt = {
        "sender": {"id": CUSTOMER},
        "recipient": {"id": "104578291736452"},
        "timestamp": now_ms(),
    }
    delivered = {"delivery": {"mids": ["m_FAKE000001"], "watermark": now_ms()}}
    await loop.webhook("messenger", messenger_items([receipt | delivered]))
    assert loop.slack.marks(CHANNEL, ts) == ["white_check_mark"]

    await loop.webhook("messenger", messenger_items([receipt | {"read": {"watermark": now_ms()}}]))
    assert loop.slack.marks(CHANNEL, ts) == ["eyes"]
    assert (await Message.get(is_incoming=False)).slack_status == "read"


async def test_the_echo_of_our_send_is_not_posted_again(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    await loop.reply(conversation, "Yes, in blue!")
    posts = len(loop.slack.messages)
    await loop.webhook("messenger", _echo("m_FAKE000001", "Yes, in blue!"))

    assert len(loop.slack.messages) == posts
    assert await Message.filter(is_incoming=False).count() == 1


async def test_an_echo_that_races_our_send_is_never_posted(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    [reply] = await queue_reply(
        conversation,
        text="Racing the echo",
        agent="Ana Agent",
        source="slack",
        slack_ts="1800000000.000300",
    )
    await ingest("messenger", _echo("m_FAKE000001", "Racing the echo"))  # before the response
    await settle()
    posts = len(loop.slack.messages)
    assert await Message.filter(platform_message_id="m_FAKE000001").count() == 1  # the echo

    await enqueue_sends([reply])
    await settle()

    assert len(loop.slack.messages) == posts
    assert await Message.filter(is_incoming=False).count() == 1
    await reply.refresh_from_db()
    assert reply.platform_message_id == "m_FAKE000001"


async def test_an_echo_of_a_message_sent_from_the_page_inbox_is_shown(loop: Loop) -> None:
    conversation = await _thread_with_customer(loop)
    await loop.webhook("messenger", _echo("m_from_inbox", "Answered from the Page inbox"))
    post = loop.slack.thread(CHANNEL, conversation.slack_thread_ts or "")[-1]
    assert post["text"] == "Answered from the Page inbox"
    assert post["username"] == "Shop (from the Messenger app)"
    assert loop.slack.marks(CHANNEL, post["ts"]) == ["ballot_box_with_check"]


async def test_a_failure_reported_later_by_webhook_is_explained_in_an_agents_words(
    loop: Loop,
) -> None:
    from tests.factories import make_account

    account = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0]
    )
    phone = account.external_id
    await loop.webhook("whatsapp", _whatsapp({"messages": [_wa_text("wamid.IN1", "Hola")]}, phone))
    conversation = await Conversation.get()
    _, ts = await loop.reply(conversation, "Hola, ¿qué tal?")
    assert loop.slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]

    failed = {
        "id": "wamid.FAKE000001",
        "status": "failed",
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "recipient_id": "16505551234",
        "errors": [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "error_data": {"details": "More than 24 hours have passed."},
            }
        ],
    }
    await loop.webhook("whatsapp", _whatsapp({"statuses": [failed]}, phone))

    assert loop.slack.marks(CHANNEL, ts) == ["x"]
    notice = loop.slack.thread(CHANNEL, conversation.slack_thread_ts or "")[-1]
    assert notice["text"] == (
        "Not delivered to Sheena: the reply window is closed (the customer must write again "
        "first) (Meta: Re-engagement message: More than 24 hours have passed., code 131047)"
    )


def _wa_text(wamid: str, text: str) -> dict[str, Any]:
    return {
        "from": "16505551234",
        "id": wamid,
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "type": "text",
        "text": {"body": text},
    }


def _whatsapp(value: dict[str, Any], phone: str) -> dict[str, Any]:
    contacts = [{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}]
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": phone},
                            "contacts": contacts,
                            **value,
                        },
                    }
                ],
            }
        ],
    }
