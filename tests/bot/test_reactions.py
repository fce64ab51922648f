"""Reactions both ways: the customer's as Slack reactions, the agents' on to the platform."""

from __future__ import annotations

from typing import Any

import pytest

from bot.mirror.tasks import slack_mirror_conversation, slack_sweep
from inbox.models import Conversation, Message, PlatformAccount
from tests.bot.conftest import (
    AGENT,
    CHANNEL,
    CUSTOMER,
    WA_CUSTOMER,
    Loop,
    messenger_items,
    messenger_text,
    now_ms,
    settle,
)
from tests.factories import make_account, make_conversation, make_message
from tests.fakes.graph import graph_error
from tests.fakes.slack import BOT_USER

PAGE = "104578291736452"


def _customer_reacts(mid: str, emoji: str | None) -> dict[str, Any]:
    reaction: dict[str, Any] = {"mid": mid, "action": "react" if emoji else "unreact"}
    if emoji:
        reaction.update(reaction="other", emoji=emoji)
    return messenger_items(
        [
            {
                "sender": {"id": CUSTOMER},
                "recipient": {"id": PAGE},
                "timestamp": now_ms(),
                "reaction": reaction,
            }
        ]
    )


def _slack_reaction(
    kind: str, message: Message, name: str, user: str = AGENT, channel: str = CHANNEL
) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": message.slack_ts},
        "item_user": "U0CUSTOMER",
        "event_ts": f"{now_ms() / 1000:.6f}",
    }


async def _answered(loop: Loop) -> Message:
    """A Messenger thread where the agent answered; returns the agent's sent reply."""
    await loop.webhook("messenger", messenger_text("Is it waterproof?"))
    await loop.reply(await Conversation.get(), "Yes, fully.")
    reply = await Message.get(is_incoming=False)
    assert reply.platform_message_id == "m_FAKE000001"
    return reply


async def test_a_customer_reaction_becomes_a_slack_reaction_and_goes_when_removed(
    loop: Loop,
) -> None:
    reply = await _answered(loop)
    ts = str(reply.slack_ts)

    await loop.webhook("messenger", _customer_reacts(reply.platform_message_id, "❤️"))
    assert set(loop.slack.marks(CHANNEL, ts)) == {"ballot_box_with_check", "heart"}

    await loop.webhook("messenger", _customer_reacts(reply.platform_message_id, "👍"))
    assert set(loop.slack.marks(CHANNEL, ts)) == {"ballot_box_with_check", "thumbsup"}

    await loop.webhook("messenger", _customer_reacts(reply.platform_message_id, None))
    assert loop.slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]
    assert (await Message.get(id=reply.id)).slack_reaction is None
    texts = [
        m["text"]
        for m in loop.slack.thread(CHANNEL, (await Conversation.get()).slack_thread_ts or "")
    ]
    assert texts == ["Is it waterproof?"]  # reactions are marks, not lines


async def test_a_reaction_slack_cannot_show_is_said_in_words(loop: Loop) -> None:
    reply = await _answered(loop)
    await loop.webhook("messenger", _customer_reacts(reply.platform_message_id, "🇦🇦"))
    conversation = await Conversation.get()
    last = loop.slack.thread(CHANNEL, conversation.slack_thread_ts or "")[-1]
    assert last["text"] == "_reacted 🇦🇦 to “Yes, fully.”_"
    assert loop.slack.marks(CHANNEL, str(reply.slack_ts)) == ["ballot_box_with_check"]


async def test_an_agent_reaction_on_a_customer_message_reaches_messenger_and_is_undone(
    loop: Loop,
) -> None:
    await loop.webhook("messenger", messenger_text("Thanks a lot!", mid="m_thanks"))
    thanks = await Message.get(platform_message_id="m_thanks")

    await loop.event(_slack_reaction("reaction_added", thanks, "+1::skin-tone-3"))
    [react] = loop.graph.sent(f"/{PAGE}/messages")
    assert react.json == {
        "recipient": {"id": CUSTOMER},
        "sender_action": "react",
        "payload": {"message_id": "m_thanks", "reaction": "👍🏼"},
    }
    assert react.authorization == "Bearer EAA-test-token"
    await thanks.refresh_from_db()
    assert (thanks.agent_reaction, thanks.agent_reaction_sent) == ("👍🏼", "👍🏼")

    await loop.event(_slack_reaction("reaction_removed", thanks, "+1::skin-tone-3"))
    unreact = loop.graph.sent(f"/{PAGE}/messages")[-1]
    assert unreact.json == {
        "recipient": {"id": CUSTOMER},
        "sender_action": "unreact",
        "payload": {"message_id": "m_thanks"},
    }
    await thanks.refresh_from_db()
    assert (thanks.agent_reaction, thanks.agent_reaction_sent) == (None, None)


async def test_a_retried_reaction_event_reaches_the_platform_once(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("Thanks!", mid="m_thanks"))
    thanks = await Message.get(platform_message_id="m_thanks")
    event = _slack_reaction("reaction_added", thanks, "heart")
    for _ in range(3):
        assert (await loop.event(event, event_id="Ev0SAMEREACT")).status == 200
    assert len(loop.graph.sent()) == 1


async def _mirrored(loop: Loop, platform: str, customer: str) -> tuple[PlatformAccount, Message]:
    account = await make_account(
        loop.workspace, platform, key=loop.settings.token_encryption_keys[0], name="Shop 2"
    )
    conversation = await make_conversation(account, customer, name="Sheena")
    message = await make_message(conversation, "Love it")
    await slack_mirror_conversation.kiq(str(conversation.id))
    await settle()
    await message.refresh_from_db()
    assert message.slack_ts is not None
    return account, message


async def test_whatsapp_gets_a_reaction_message_and_an_empty_emoji_to_remove_it(
    loop: Loop,
) -> None:
    account, message = await _mirrored(loop, "whatsapp", WA_CUSTOMER)

    await loop.event(_slack_reaction("reaction_added", message, "tada"))
    await loop.event(_slack_reaction("reaction_removed", message, "tada"))

    sent = [r.json for r in loop.graph.sent(f"/{account.external_id}/messages")]
    common = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_CUSTOMER}
    assert sent == [
        {
            **common,
            "type": "reaction",
            "reaction": {"message_id": message.platform_message_id, "emoji": "🎉"},
        },
        {
            **common,
            "type": "reaction",
            "reaction": {"message_id": message.platform_message_id, "emoji": ""},
        },
    ]


async def test_instagram_takes_a_heart_and_ignores_what_it_cannot_show(loop: Loop) -> None:
    account, message = await _mirrored(loop, "instagram", "1192837465019283")

    response = await loop.event(_slack_reaction("reaction_added", message, "thumbsup"))
    assert response.status == 200
    assert loop.graph.sent() == []
    await message.refresh_from_db()
    assert message.agent_reaction is None

    await loop.event(_slack_reaction("reaction_added", message, "heart"))
    [love] = loop.graph.sent(f"/{account.external_id}/messages")
    assert love.json["sender_action"] == "react"
    assert love.json["payload"] == {"message_id": message.platform_message_id, "reaction": "love"}


@pytest.mark.parametrize(
    "event",
    [
        {"user": BOT_USER, "reaction": "heart"},  # our own bot's reaction
        {"reaction": "partyparrot"},  # a custom emoji has no unicode form
        {"item": {"type": "file", "file": "F1"}},  # not on a message
        {"item": {"type": "message", "channel": CHANNEL, "ts": "1.000001"}},  # not ours
        {"user": None},  # incomplete
    ],
)
async def test_reactions_that_are_not_an_agents_on_a_customer_message_are_ignored(
    loop: Loop, event: dict[str, Any]
) -> None:
    await loop.webhook("messenger", messenger_text("Thanks!", mid="m_thanks"))
    thanks = await Message.get(platform_message_id="m_thanks")
    response = await loop.event({**_slack_reaction("reaction_added", thanks, "heart"), **event})
    assert response.status == 200
    assert loop.graph.sent() == []
    assert (await Message.get(id=thanks.id)).agent_reaction is None


async def test_an_agent_reaction_on_the_teams_own_reply_is_not_sent(loop: Loop) -> None:
    reply = await _answered(loop)
    sends = len(loop.graph.sent())
    await loop.event(_slack_reaction("reaction_added", reply, "heart"))
    assert len(loop.graph.sent()) == sends


async def test_a_refused_reaction_is_told_in_the_thread_and_a_throttled_one_retried(
    loop: Loop,
) -> None:
    await loop.webhook("messenger", messenger_text("Thanks!", mid="m_thanks"))
    thanks = await Message.get(platform_message_id="m_thanks")
    path = f"/{PAGE}/messages"

    loop.graph.script(
        "POST", path, graph_error(613, "Calls to this api have exceeded the rate limit")
    )
    await loop.event(_slack_reaction("reaction_added", thanks, "heart"))
    assert (await Message.get(id=thanks.id)).agent_reaction_sent is None  # waits for the sweep
    await slack_sweep.kiq()
    await settle()
    assert (await Message.get(id=thanks.id)).agent_reaction_sent == "❤️"
    assert len(loop.graph.sent(path)) == 2

    loop.graph.script("POST", path, graph_error(10, "outside of allowed window", subcode=2018278))
    await loop.event(_slack_reaction("reaction_added", thanks, "joy"))
    conversation = await Conversation.get()
    told = loop.slack.thread(CHANNEL, conversation.slack_thread_ts or "")[-1]
    assert told["text"].startswith("_Reaction 😂 not sent to Jane Doe:")
    assert (await Message.get(id=thanks.id)).agent_reaction_sent == "😂"  # not retried forever
