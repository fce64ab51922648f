"""Runs held by this process: kicks folded into the run, the card refreshed once per burst."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.mirror import runs
from bot.mirror.conversation import Clients, mirror_conversation
from inbox.models import Conversation, Message
from inbox.settings import Settings
from tests.bot.conftest import CHANNEL
from tests.factories import make_account, make_conversation, make_message, make_workspace
from tests.fakes.slack import FakeSlack


async def _conversation(settings: Settings) -> Conversation:
    workspace = await make_workspace()
    account = await make_account(workspace, key=settings.token_encryption_keys[0])
    return await make_conversation(account, name="Jane")


async def test_a_kick_for_a_run_held_here_asks_it_for_a_round_without_touching_the_row(
    clients: Clients,
) -> None:
    conversation = await _conversation(clients.settings)
    held = runs.LocalRun()
    runs.hold(conversation.id, held)
    try:
        assert await mirror_conversation(conversation.id, clients) == "busy"
    finally:
        runs.forget(conversation.id, held)
    assert held.asked is True
    await conversation.refresh_from_db()
    assert conversation.slack_lease_owner is None and conversation.slack_rerun is False
    assert runs.ask_again(conversation.id) is False  # forgotten: kicks take the lease path


async def test_messages_arriving_during_a_run_are_posted_by_it_in_order(
    clients: Clients, slack: FakeSlack
) -> None:
    conversation = await _conversation(clients.settings)
    start = datetime.now(UTC) - timedelta(minutes=5)
    await make_message(conversation, "first", received_at=start)

    posted = asyncio.Event()
    answer = slack._chat_postMessage

    def noting(args: dict[str, Any]) -> dict[str, Any]:
        posted.set()
        return answer(args)

    slack._chat_postMessage = noting  # type: ignore[method-assign]

    async def later_messages() -> None:
        for n in range(1, 6):
            await posted.wait()  # the run is between a post and saving it: it holds the lease
            posted.clear()
            await make_message(conversation, f"then {n}", received_at=start + timedelta(seconds=n))
            await mirror_conversation(conversation.id, clients)  # a kick in this process

    outcomes = await asyncio.gather(mirror_conversation(conversation.id, clients), later_messages())

    assert outcomes[0] == "done"
    [root] = slack.roots(CHANNEL)
    texts = [m["text"] for m in slack.thread(CHANNEL, root["ts"])]
    assert texts == ["first", *(f"then {n}" for n in range(1, 6))]
    assert await Message.filter(slack_posted=False).count() == 0
    await conversation.refresh_from_db()
    assert conversation.slack_lease_owner is None


class _Card:
    """Stands in for a thread's Run: counts card refreshes."""

    def __init__(self) -> None:
        self.refreshes = 0

    async def refresh_card(self) -> None:
        self.refreshes += 1


async def test_the_card_is_refreshed_at_most_once_an_interval_and_never_left_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runs, "CARD_INTERVAL", 0.2)
    conversation, card, local = uuid.uuid4(), _Card(), runs.LocalRun()
    runs.hold(conversation, local)
    assert await runs.refresh_card(conversation, local, wait=True) is False
    assert card.refreshes == 0  # nothing behind the card

    runs.card_behind(local, card, posted_customer_messages=True)  # type: ignore[arg-type]
    assert await runs.refresh_card(conversation, local, wait=False) is False
    assert card.refreshes == 1  # the first refresh is not held back

    runs.card_behind(local, card, posted_customer_messages=True)  # type: ignore[arg-type]
    assert await runs.refresh_card(conversation, local, wait=False) is False
    assert card.refreshes == 1  # within the interval: held back

    asyncio.get_running_loop().call_later(0.05, runs.ask_again, conversation)
    assert await runs.refresh_card(conversation, local, wait=True) is True
    assert card.refreshes == 1  # a kick came first: go round, the card still due

    runs.hold(conversation, local)
    started = time.monotonic()
    assert await runs.refresh_card(conversation, local, wait=True) is False
    assert card.refreshes == 1 + 1 and local.card is None  # refreshed when the interval ended
    assert time.monotonic() - started < 1.0
    runs.forget(conversation, local)


def test_a_kick_for_marks_during_a_run_for_new_messages_makes_the_next_round_look() -> None:
    conversation, local = uuid.uuid4(), runs.LocalRun(changes=False)
    runs.hold(conversation, local)
    try:
        assert runs.ask_again(conversation, changes=False) is True
        assert (local.asked, local.changes) == (True, False)
        assert runs.ask_again(conversation, changes=True) is True
        assert local.changes is True
    finally:
        runs.forget(conversation, local)
