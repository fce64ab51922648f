"""Relink: `/inbox relink`, the message shortcut and a deleted root re-create the thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.mirror.tasks import slack_mirror_conversation
from inbox.models import Conversation, Message, PlatformAccount
from tests.bot.conftest import AGENT, CHANNEL, Loop, messenger_text, settle

MOVED = "C0MOVED"


async def _conversation_with_history(loop: Loop) -> Conversation:
    await loop.webhook("messenger", messenger_text("one"))
    await loop.webhook("messenger", messenger_text("two"))
    conversation = await Conversation.get()
    await loop.reply(conversation, "three, from the team")
    await loop.webhook("messenger", messenger_text("four"))
    return await Conversation.get()


def _texts(loop: Loop, conversation: Conversation) -> list[str]:
    assert conversation.slack_channel and conversation.slack_thread_ts
    return [
        m["text"]
        for m in loop.slack.thread(conversation.slack_channel, conversation.slack_thread_ts)
    ]


async def test_relink_makes_a_new_root_in_the_current_channel_and_replays_history_in_order(
    loop: Loop,
) -> None:
    old = await _conversation_with_history(loop)
    await PlatformAccount.filter(id=loop.account.id).update(slack_channel=MOVED)

    answer = await loop.command(f"relink {old.id}")
    await settle()

    assert answer.startswith("Relinking Jane Doe (Messenger): a new thread opens in <#C0MOVED>")
    new = await Conversation.get()
    assert new.slack_channel == MOVED and new.slack_thread_ts != old.slack_thread_ts
    [root] = loop.slack.roots(MOVED)
    assert root["ts"] == new.slack_thread_ts
    assert "Thread re-created" in str(root["blocks"])
    assert _texts(loop, new) == ["one", "two", "three, from the team", "four"]
    replayed = loop.slack.thread(MOVED, root["ts"])[2]
    assert replayed["username"] == "Ana Agent (via cahts)"
    assert loop.slack.marks(MOVED, replayed["ts"]) == ["ballot_box_with_check"]
    # The old thread says where the conversation went; its posts stay as they were.
    assert old.slack_thread_ts is not None
    last_old = loop.slack.thread(CHANNEL, old.slack_thread_ts)[-1]
    assert last_old["text"] == "_This conversation continues in a new thread in <#C0MOVED>._"
    assert all(m.slack_posted for m in await Message.all())


async def test_after_a_relink_replies_flow_through_the_new_thread_only(loop: Loop) -> None:
    old = await _conversation_with_history(loop)
    await loop.command(f"relink {old.id}")
    await settle()
    new = await Conversation.get()

    await loop.reply(old, "typed in the old thread")
    await loop.reply(new, "typed in the new thread")

    sent = [r.json["message"]["text"] for r in loop.graph.sent()]
    assert sent == ["three, from the team", "typed in the new thread"]


async def test_the_message_shortcut_on_a_root_relinks_in_place(loop: Loop) -> None:
    old = await _conversation_with_history(loop)
    [root] = loop.slack.roots(CHANNEL)

    response = await loop.shortcut(root)
    await settle()

    assert response.status == 200
    [told] = loop.slack.called("chat.postEphemeral")
    assert told.args["user"] == AGENT
    assert told.args["text"].startswith("Relinking Jane Doe")
    new = await Conversation.get()
    assert new.slack_channel == CHANNEL and new.slack_thread_ts != old.slack_thread_ts
    assert _texts(loop, new) == ["one", "two", "three, from the team", "four"]


async def test_the_shortcut_elsewhere_says_it_is_not_a_conversation_thread(loop: Loop) -> None:
    await _conversation_with_history(loop)
    stray = {"channel": CHANNEL, "ts": "1700000000.000100", "text": "lunch?", "user": AGENT}
    await loop.shortcut(stray)
    [told] = loop.slack.called("chat.postEphemeral")
    assert "not in a cahts conversation thread" in told.args["text"]
    assert len(loop.slack.roots()) == 1


async def test_relink_names_a_conversation_by_link_or_customer_name(loop: Loop) -> None:
    conversation = await _conversation_with_history(loop)
    link = f"<https://cahts.example.com/conversations/{conversation.id}>"
    assert (await loop.command(f"relink {link}")).startswith("Relinking Jane Doe")
    await settle()
    assert (await loop.command("relink jane")).startswith("Relinking Jane Doe")
    await settle()
    assert len(loop.slack.roots(CHANNEL)) == 3


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("relink", "Usage: `/inbox relink <conversation id"),
        ("relink 3f1c0c2a-0000-4000-8000-000000000000", "No conversation with that id"),
        ("relink nobody-like-this", "No conversation with a customer called “nobody-like-this”"),
        ("relink <@U1>  &lt;", "No conversation with a customer called"),
        ("", "\n`/inbox relink <conversation id"),  # listed among the subcommands
        ("help", "What `/inbox` can do:"),
        ("launch the rockets", "There is no `/inbox launch`. What `/inbox` can do:"),
    ],
)
async def test_bad_relink_requests_are_answered_clearly_and_change_nothing(
    loop: Loop, text: str, says: str
) -> None:
    await loop.webhook("messenger", messenger_text("hello"))
    before = len(loop.slack.called("chat.postMessage"))
    answer = await loop.command(text)
    assert says in answer
    assert len(loop.slack.called("chat.postMessage")) == before
    assert (await Conversation.get()).slack_relink is None


async def test_several_matching_customers_are_listed_with_their_ids(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("hi"))
    await loop.webhook("messenger", messenger_text("hi", sender="5550001112223334"))
    await Conversation.all().update(participant_name="Sam Smith")
    answer = await loop.command("relink smith")
    assert answer.startswith("Several customers match; use the id:")
    for conversation in await Conversation.all():
        assert str(conversation.id) in answer


async def test_a_deleted_root_is_noticed_and_the_next_message_relinks(loop: Loop) -> None:
    old = await _conversation_with_history(loop)
    assert old.slack_thread_ts is not None
    loop.slack.delete(CHANNEL, old.slack_thread_ts)
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": CHANNEL,
        "ts": f"{datetime.now(UTC).timestamp():.6f}",
        "deleted_ts": old.slack_thread_ts,
        "previous_message": {
            "type": "message",
            "user": "UCAHTSBOT",
            "bot_id": "BCAHTSBOT",
            "ts": old.slack_thread_ts,
            "text": "Jane Doe on Messenger (Shop)",
        },
    }
    response = await loop.event(deleted)
    assert response.status == 200
    posts = len(loop.slack.called("chat.postMessage"))
    assert (await Conversation.get()).slack_relink == "root_deleted"
    assert len(loop.slack.called("chat.postMessage")) == posts  # nothing until a message comes

    await loop.webhook("messenger", messenger_text("five"))

    new = await Conversation.get()
    assert new.slack_relink is None and new.slack_thread_ts != old.slack_thread_ts
    assert [r["ts"] for r in loop.slack.roots(CHANNEL)] == [new.slack_thread_ts]
    assert _texts(loop, new) == ["one", "two", "three, from the team", "four", "five"]


async def test_relink_repeats_only_the_latest_messages(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_RELINK_HISTORY", "2")
    conversation = await _conversation_with_history(loop)
    answer = await loop.command(f"relink {conversation.id}")
    await settle()
    assert "with the latest 2 messages" in answer
    assert _texts(loop, await Conversation.get()) == ["three, from the team", "four"]


async def test_a_run_that_takes_over_after_a_crash_never_adopts_the_replaced_root(
    loop: Loop,
) -> None:
    old = await _conversation_with_history(loop)
    await Conversation.filter(id=old.id).update(
        slack_relink="requested",
        slack_lease_owner="dead-worker",
        slack_lease_until=datetime.now(UTC) - timedelta(minutes=1),
    )
    await slack_mirror_conversation.kiq(str(old.id))
    await settle()

    new = await Conversation.get()
    assert new.slack_thread_ts != old.slack_thread_ts  # the old root (same channel) not adopted
    assert len(loop.slack.roots(CHANNEL)) == 2
    assert _texts(loop, new) == ["one", "two", "three, from the team", "four"]
