"""inbox.services.conversations.state: resolve, reopen, assign — scoped, announced, idempotent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from inbox.bus import InProcessBus, Subscription
from inbox.hooks import Hooks
from inbox.models import Conversation
from inbox.services.conversations import state as conversations
from inbox.services.conversations.state import (
    ChangeRefused,
    ConversationChange,
    ConversationNotFound,
)
from inbox.settings import Settings
from tests.factories import make_account, make_conversation, make_user, make_workspace


@pytest.fixture
async def conversation(database: Settings) -> Conversation:
    """One conversation in the workspace "Acme"."""
    account = await make_account(await make_workspace(), key=database.token_encryption_keys[0])
    return await make_conversation(account)


@pytest.fixture
def bus() -> InProcessBus:
    """An in-process event bus."""
    return InProcessBus()


@pytest.fixture
def events(bus: InProcessBus) -> Iterator[Subscription]:
    """Everything published on the bus."""
    with bus.subscribe() as subscription:
        yield subscription


async def test_resolve_writes_the_status_marks_the_card_and_announces_once(
    conversation: Conversation, bus: InProcessBus, events: Subscription
) -> None:
    seen: list[ConversationChange] = []

    async def hook(change: ConversationChange) -> None:
        seen.append(change)

    bus.hooks.after_change.append(hook)
    workspace = conversation.workspace_id  # type: ignore[attr-defined]
    await conversations.resolve(workspace, conversation.id, actor="ana@example.com", bus=bus)
    await conversations.resolve(workspace, conversation.id, actor="ana@example.com", bus=bus)

    stored = await Conversation.get(id=conversation.id)
    assert (stored.status, stored.slack_card_stale) == ("resolved", True)
    event = events.queue.get_nowait()
    assert event == {
        "type": "conversation_updated",
        "workspace_id": str(workspace),
        "conversation_id": str(conversation.id),
        "status": "resolved",
        "assignee_id": None,
        "assignee_slack_user": None,
        "changed": ["status"],
        "actor": "ana@example.com",
    }
    assert events.queue.empty()  # the second call changed nothing
    assert [c.changed for c in seen] == [("status",)]


async def test_assign_to_a_user_or_a_slack_user_and_back_to_nobody(
    conversation: Conversation,
) -> None:
    workspace = conversation.workspace_id  # type: ignore[attr-defined]
    user = await make_user(await conversation.workspace)
    await conversations.assign(workspace, conversation.id, user_id=str(user.id))
    stored = await Conversation.get(id=conversation.id)
    assert (stored.assignee_id, stored.assignee_slack_user) == (user.id, None)  # type: ignore[attr-defined]

    await conversations.assign(workspace, conversation.id, slack_user="U0AGENT01")
    stored = await Conversation.get(id=conversation.id)
    assert (stored.assignee_id, stored.assignee_slack_user) == (None, "U0AGENT01")  # type: ignore[attr-defined]

    await conversations.assign(workspace, conversation.id)
    stored = await Conversation.get(id=conversation.id)
    assert (stored.assignee_id, stored.assignee_slack_user) == (None, None)  # type: ignore[attr-defined]


async def test_another_workspace_cannot_touch_the_conversation(
    conversation: Conversation,
) -> None:
    other = await make_workspace("Other")
    for target in (conversation.id, uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(ConversationNotFound):
            await conversations.resolve(other.id, target)
    assert (await Conversation.get(id=conversation.id)).status == "open"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user_id": "nope"},
        {"user_id": uuid.uuid4()},
        {"slack_user": "U1 <script>"},
        {"slack_user": ""},
        {"slack_user": "U1", "user_id": uuid.uuid4()},
    ],
)
async def test_bad_assignees_are_refused_and_change_nothing(
    conversation: Conversation, kwargs: dict[str, object]
) -> None:
    workspace = conversation.workspace_id  # type: ignore[attr-defined]
    with pytest.raises(ChangeRefused):
        await conversations.assign(workspace, conversation.id, **kwargs)  # type: ignore[arg-type]
    stored = await Conversation.get(id=conversation.id)
    assert (stored.assignee_slack_user, stored.slack_card_stale) == (None, False)


async def test_a_user_of_another_workspace_cannot_be_the_assignee(
    conversation: Conversation,
) -> None:
    stranger = await make_user(await make_workspace("Other"), "stranger@example.com")
    with pytest.raises(ChangeRefused, match="no active user"):
        await conversations.assign(
            conversation.workspace_id,  # type: ignore[attr-defined]
            conversation.id,
            user_id=stranger.id,
        )


async def test_an_unknown_status_is_refused(conversation: Conversation) -> None:
    with pytest.raises(ChangeRefused):
        await conversations.set_status(
            conversation.workspace_id,  # type: ignore[attr-defined]
            conversation.id,
            "snoozed",
        )


async def test_a_failing_hook_does_not_undo_the_change(conversation: Conversation) -> None:
    async def broken(change: ConversationChange) -> None:
        raise RuntimeError("broker down")

    bus = InProcessBus(Hooks(after_change=[broken]))
    await conversations.resolve(conversation.workspace_id, conversation.id, bus=bus)  # type: ignore[attr-defined]
    assert (await Conversation.get(id=conversation.id)).status == "resolved"
