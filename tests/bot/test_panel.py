"""The root as a control panel: state, buttons, and chat.update from Slack, the API or ingest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.mirror.sweep import closing_windows
from bot.mirror.tasks import slack_card_windows, slack_sweep
from inbox.appkeys import BUS
from inbox.models import Conversation
from inbox.services.conversations import state as conversations
from tests.bot.conftest import AGENT, CHANNEL, Loop, messenger_text, settle
from tests.factories import make_user
from tests.fakes.slack import TEAM


def _root(loop: Loop) -> dict[str, Any]:
    [root] = loop.slack.roots(CHANNEL)
    return root


def _panel(root: dict[str, Any]) -> tuple[str, list[str]]:
    """The card's state line and its buttons' labels."""
    state = next(b for b in root["blocks"] if b["type"] == "section" and "Assigned to" in str(b))
    actions = next(b for b in root["blocks"] if b["type"] == "actions")
    return state["text"]["text"], [e["text"]["text"] for e in actions["elements"]]


def _press(loop: Loop, action_id: str, value: str, user: str = AGENT) -> dict[str, Any]:
    root = _root(loop)
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "ana", "team_id": TEAM},
        "api_app_id": "A0CAHTS",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": root["ts"],
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        },
        "trigger_id": "1.2.3",
        "team": {"id": TEAM, "domain": "acme"},
        "channel": {"id": CHANNEL, "name": "support"},
        "message": {"type": "message", "ts": root["ts"], "text": root["text"], "bot_id": "B1"},
        "response_url": f"{loop.slack.base}/respond/1",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "cahts_panel",
                "type": "button",
                "value": value,
                "action_ts": "1800000000.000200",
            }
        ],
    }


async def _opened(loop: Loop) -> Conversation:
    await loop.webhook("messenger", messenger_text("Where is my parcel?"))
    return await Conversation.get()


async def test_the_root_shows_state_assignee_window_and_buttons(loop: Loop) -> None:
    await _opened(loop)
    root = _root(loop)
    state, buttons = _panel(root)
    assert state == ":large_green_circle: *Open* · Assigned to nobody yet"
    assert buttons == ["Resolve", "Assign to me"]
    assert "Reply window open until" in str(root["blocks"])


async def test_resolve_and_reopen_update_the_root_the_database_and_the_dashboard(
    loop: Loop,
) -> None:
    conversation = await _opened(loop)
    bus = loop.client.app[BUS]
    with bus.subscribe() as events:
        response = await loop.click(_press(loop, "conversation_resolve", str(conversation.id)))
        assert response.status == 200
        event = await asyncio.wait_for(events.get(), 5)

    assert (await Conversation.get()).status == "resolved"
    assert event["type"] == "conversation_updated"
    assert (event["conversation_id"], event["status"]) == (str(conversation.id), "resolved")
    assert event["actor"] == f"slack:{AGENT}"
    [update] = loop.slack.called("chat.update")
    assert update.args["ts"] == conversation.slack_thread_ts
    state, buttons = _panel(_root(loop))
    assert state.startswith(":white_check_mark: *Resolved*")
    assert buttons == ["Reopen", "Assign to me"]

    await loop.click(_press(loop, "conversation_reopen", str(conversation.id)))
    assert (await Conversation.get()).status == "open"
    assert _panel(_root(loop))[1] == ["Resolve", "Assign to me"]


async def test_assign_to_me_and_unassign(loop: Loop) -> None:
    conversation = await _opened(loop)
    await loop.click(_press(loop, "conversation_assign_me", str(conversation.id)))
    assert (await Conversation.get()).assignee_slack_user == AGENT
    state, buttons = _panel(_root(loop))
    assert state.endswith(f"Assigned to <@{AGENT}>")
    assert buttons == ["Resolve", "Assign to me", "Unassign"]

    await loop.click(_press(loop, "conversation_unassign", str(conversation.id)))
    assert (await Conversation.get()).assignee_slack_user is None
    assert _panel(_root(loop))[0].endswith("Assigned to nobody yet")


async def test_a_press_that_changes_nothing_updates_nothing(loop: Loop) -> None:
    conversation = await _opened(loop)
    await loop.click(_press(loop, "conversation_reopen", str(conversation.id)))
    assert loop.slack.called("chat.update") == []


async def test_changes_from_the_api_or_dashboard_update_the_root_too(loop: Loop) -> None:
    conversation = await _opened(loop)
    user = await make_user(loop.workspace, "dana@example.com")
    await conversations.assign(
        loop.workspace.id, conversation.id, user_id=user.id, actor="api", bus=loop.bus
    )
    await conversations.resolve(loop.workspace.id, conversation.id, actor="api", bus=loop.bus)
    await settle()

    stored = await Conversation.get()
    assert (stored.status, stored.assignee_id, stored.slack_card_stale) == (  # type: ignore[attr-defined]
        "resolved",
        user.id,
        False,
    )
    state, buttons = _panel(_root(loop))
    assert state == ":white_check_mark: *Resolved* · Assigned to Agent"
    assert buttons == ["Reopen", "Assign to me", "Unassign"]


async def test_a_customer_writing_again_reopens_a_resolved_conversation(loop: Loop) -> None:
    conversation = await _opened(loop)
    await loop.click(_press(loop, "conversation_resolve", str(conversation.id)))
    assert (await Conversation.get()).status == "resolved"

    await loop.webhook("messenger", messenger_text("Still nothing…"))

    assert (await Conversation.get()).status == "open"
    state, buttons = _panel(_root(loop))
    assert state.startswith(":large_green_circle: *Open*")
    assert buttons[0] == "Resolve"


async def test_a_press_on_a_conversation_the_team_cannot_see_changes_nothing(
    loop: Loop,
) -> None:
    await _opened(loop)
    for value in ("3f1c0c2a-0000-4000-8000-000000000000", "not-an-id"):
        response = await loop.click(_press(loop, "conversation_resolve", value))
        assert response.status == 200
    assert (await Conversation.get()).status == "open"
    told = loop.slack.called("chat.postEphemeral")
    assert len(told) == 2 and "not in this Slack workspace's inbox" in told[0].args["text"]


async def test_a_stale_card_whose_kick_was_lost_is_caught_by_the_sweep(loop: Loop) -> None:
    conversation = await _opened(loop)
    await Conversation.filter(id=conversation.id).update(status="resolved", slack_card_stale=True)
    await slack_sweep.kiq()
    await settle()
    assert _panel(_root(loop))[0].startswith(":white_check_mark: *Resolved*")
    assert (await Conversation.get()).slack_card_stale is False


async def test_a_card_whose_root_is_gone_asks_for_a_relink(loop: Loop) -> None:
    conversation = await _opened(loop)
    loop.slack.delete(CHANNEL, str(conversation.slack_thread_ts))
    await conversations.resolve(loop.workspace.id, conversation.id, bus=loop.bus)
    await settle()
    assert (await Conversation.get()).slack_relink == "root_deleted"


async def test_cards_are_refreshed_when_their_reply_window_closes(loop: Loop) -> None:
    conversation = await _opened(loop)
    closed = datetime.now(UTC) - timedelta(hours=24, minutes=30)
    await Conversation.filter(id=conversation.id).update(last_incoming_at=closed)
    assert await closing_windows() == [conversation.id]

    await slack_card_windows.kiq()
    await settle()
    root = _root(loop)
    assert "Standard window closed; human-agent replies allowed until" in str(root["blocks"])
    week_ago = datetime.now(UTC) - timedelta(days=3)
    await Conversation.filter(id=conversation.id).update(last_incoming_at=week_ago)
    assert await closing_windows() == []
