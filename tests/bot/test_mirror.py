"""Customer → Slack: threads, order, durability, words for what is not text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.mirror.tasks import slack_mirror_conversation, slack_sweep
from inbox.models import Conversation, Message, PlatformAccount
from inbox.tasks.broker import broker
from tests.bot.conftest import (
    CHANNEL,
    CUSTOMER,
    Loop,
    messenger_items,
    messenger_text,
    now_ms,
    settle,
)
from tests.factories import make_message
from tests.fakes.slack import Answer, rate_limited


async def test_first_message_opens_a_thread_with_the_conversation_card(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("Is the blue model still available?"))

    conversation = await Conversation.get()
    assert conversation.slack_channel == CHANNEL
    [root] = loop.slack.roots(CHANNEL)
    assert conversation.slack_thread_ts == root["ts"]
    card = str(root["blocks"])
    assert "Jane Doe" in card and "Messenger" in card and "Shop" in card
    assert "Reply window open until" in card
    assert f"https://cahts.example.com/conversations/{conversation.id}" in card
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == "Is the blue model still available?"
    assert post["username"] == "Jane Doe · Messenger customer"
    message = await Message.get()
    assert message.slack_posted is True
    assert message.slack_ts == post["ts"]
    assert post["metadata"]["event_payload"]["message_id"] == str(message.id)
    assert conversation.participant_id == CUSTOMER


async def test_a_customer_named_like_an_agent_is_still_marked_a_customer(loop: Loop) -> None:
    async def profile(request: object, path: str, body: object) -> web.Response:
        return web.json_response(
            {"first_name": "Alice", "last_name": "(via cahts)", "id": CUSTOMER}
        )

    loop.graph.routes[f"GET /{CUSTOMER}"] = profile
    await loop.webhook("messenger", messenger_text("where is my order?"))

    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["username"] == "Alice · Messenger customer"
    assert "(via cahts)" not in post["username"]


async def test_later_messages_go_into_the_same_thread_in_order(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("first"))
    await loop.webhook("messenger", messenger_text("second"))
    body = messenger_items(
        [
            {
                "sender": {"id": CUSTOMER},
                "recipient": {"id": "104578291736452"},
                "timestamp": now_ms() + offset,
                "message": {"mid": f"m_batch_{offset}", "text": text},
            }
            for offset, text in ((20, "fourth"), (10, "third"))
        ]
    )
    await loop.webhook("messenger", body)

    [root] = loop.slack.roots()
    texts = [m["text"] for m in loop.slack.thread(CHANNEL, root["ts"])]
    assert texts == ["first", "second", "third", "fourth"]


async def test_text_is_escaped_and_never_formatted(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("a < b & c > d <!channel> <@U1>"))
    [root] = loop.slack.roots()
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == "a &lt; b &amp; c &gt; d &lt;!channel&gt; &lt;@U1&gt;"


async def test_a_retried_webhook_is_posted_once(loop: Loop) -> None:
    body = messenger_text("only once", mid="m_retried")
    for _ in range(3):
        await loop.webhook("messenger", body)
    [root] = loop.slack.roots()
    assert [m["text"] for m in loop.slack.thread(CHANNEL, root["ts"])] == ["only once"]


async def test_rate_limited_posts_are_retried_and_keep_their_order(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("one"))
    loop.slack.script("chat.postMessage", rate_limited(0), rate_limited(0))
    body = messenger_items(
        [
            {
                "sender": {"id": CUSTOMER},
                "recipient": {"id": "104578291736452"},
                "timestamp": now_ms() + offset,
                "message": {"mid": f"m_rl_{offset}", "text": text},
            }
            for offset, text in ((1, "two"), (2, "three"))
        ]
    )
    await loop.webhook("messenger", body)

    [root] = loop.slack.roots()
    assert [m["text"] for m in loop.slack.thread(CHANNEL, root["ts"])] == ["one", "two", "three"]
    assert len(loop.slack.called("chat.postMessage")) == 1 + 1 + 2 + 2  # root, one, 429s, two
    assert await Message.filter(slack_posted=False).count() == 0


async def test_a_slack_outage_delays_posts_but_loses_and_doubles_none(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("before the outage"))
    loop.slack.script("chat.postMessage", Answer(200, {"ok": False, "error": "fatal_error"}))
    await loop.webhook("messenger", messenger_text("during the outage"))

    message = await Message.get(content="during the outage")
    assert message.slack_posted is False
    conversation = await Conversation.get()
    assert conversation.slack_lease_owner is not None  # left for a run that checks first

    assert await slack_sweep.kiq() is not None
    await settle()
    [root] = loop.slack.roots()
    texts = [m["text"] for m in loop.slack.thread(CHANNEL, root["ts"])]
    assert texts == ["before the outage", "during the outage"]
    assert loop.slack.called("conversations.replies")  # it looked for a lost post first
    await message.refresh_from_db()
    assert message.slack_posted is True
    await conversation.refresh_from_db()
    assert conversation.slack_lease_owner is None


async def test_a_post_that_landed_before_a_crash_is_adopted_not_repeated(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("hello"))
    conversation = await Conversation.get()
    lost = await make_message(conversation, "posted, then the worker died")
    root_ts = conversation.slack_thread_ts
    loop.slack.messages.append(
        {
            "channel": CHANNEL,
            "ts": "9999999999.000001",
            "thread_ts": root_ts,
            "text": "posted, then the worker died",
            "metadata": {
                "event_type": "cahts_message",
                "event_payload": {"message_id": str(lost.id)},
            },
        }
    )
    await Conversation.filter(id=conversation.id).update(
        slack_lease_owner="dead-worker", slack_lease_until=datetime.now(UTC) - timedelta(minutes=1)
    )
    posts_before = len(loop.slack.called("chat.postMessage"))

    await slack_mirror_conversation.kiq(str(conversation.id))
    await settle()

    assert len(loop.slack.called("chat.postMessage")) == posts_before
    await lost.refresh_from_db()
    assert lost.slack_posted is True
    assert lost.slack_ts == "9999999999.000001"


async def test_moving_an_account_to_another_channel_starts_new_threads_there(
    loop: Loop,
) -> None:
    await loop.webhook("messenger", messenger_text("old customer, first"))
    await PlatformAccount.filter(id=loop.account.id).update(slack_channel="C0MOVED")
    await loop.webhook("messenger", messenger_text("old customer, again"))
    await loop.webhook("messenger", messenger_text("new customer", sender="5550001112223334"))

    [old_root] = loop.slack.roots(CHANNEL)
    [new_root] = loop.slack.roots("C0MOVED")
    old_texts = [m["text"] for m in loop.slack.thread(CHANNEL, old_root["ts"])]
    assert old_texts == ["old customer, first", "old customer, again"]
    assert [m["text"] for m in loop.slack.thread("C0MOVED", new_root["ts"])] == ["new customer"]
    moved = await Conversation.get(participant_id="5550001112223334")
    assert (moved.slack_channel, moved.slack_thread_ts) == ("C0MOVED", new_root["ts"])


async def test_a_thread_whose_channel_is_gone_continues_in_the_current_channel(
    loop: Loop,
) -> None:
    await loop.webhook("messenger", messenger_text("in the old channel"))
    loop.slack.gone_channels.add(CHANNEL)
    await PlatformAccount.filter(id=loop.account.id).update(slack_channel="C0MOVED")
    await loop.webhook("messenger", messenger_text("after the archive"))

    [root] = loop.slack.roots("C0MOVED")
    texts = [m["text"] for m in loop.slack.thread("C0MOVED", root["ts"])]
    assert texts == ["in the old channel", "after the archive"]  # relinked: history repeated
    conversation = await Conversation.get()
    assert conversation.slack_channel == "C0MOVED"


async def test_without_any_channel_nothing_is_posted_and_nothing_is_lost(loop: Loop) -> None:
    settings = replace(loop.settings, slack_channel=None)
    broker.state.settings = settings
    try:
        await loop.webhook("messenger", messenger_text("nowhere to go"))
    finally:
        broker.state.settings = loop.settings
    assert loop.slack.called("chat.postMessage") == []
    message = await Message.get()
    assert message.slack_posted is False
    assert (await Conversation.get()).slack_lease_owner is None

    await slack_sweep.kiq()
    await settle()
    [root] = loop.slack.roots(CHANNEL)
    assert [m["text"] for m in loop.slack.thread(CHANNEL, root["ts"])] == ["nowhere to go"]


async def test_messages_older_than_a_week_are_summarised_not_copied(loop: Loop) -> None:
    old = now_ms() - 9 * 24 * 3600 * 1000
    both = messenger_items(
        [
            {
                "sender": {"id": CUSTOMER},
                "recipient": {"id": "104578291736452"},
                "timestamp": at,
                "message": {"mid": f"m_age_{n}", "text": text},
            }
            for n, (at, text) in enumerate([(old, "from long ago"), (now_ms(), "and today")])
        ]
    )
    await loop.webhook("messenger", both)
    [root] = loop.slack.roots()
    summary, today = loop.slack.thread(CHANNEL, root["ts"])
    assert "1 earlier message(s), older than 7 days" in summary["text"]
    assert "from long ago" not in summary["text"]
    assert today["text"] == "and today"
    assert await Message.filter(slack_posted=False).count() == 0


async def test_history_alone_opens_no_thread(loop: Loop) -> None:
    old = now_ms() - 9 * 24 * 3600 * 1000
    await loop.webhook("messenger", messenger_text("from long ago", at_ms=old))
    assert loop.slack.messages == []
    assert (await Message.get()).slack_posted is True
    assert (await Conversation.get()).slack_thread_ts is None
