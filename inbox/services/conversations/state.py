"""Changing a conversation's state: resolve, reopen, assign. One way, whoever asks.

Slack buttons, the REST API and the dashboard all call these. Each change is written with
`slack_card_stale` in one statement, so the thread's root card catches up even if the kick
after it is lost (the Slack sweep looks for stale cards); then a `conversation_updated`
event goes on the bus and the bus's after-change hooks run (the bot kicks its mirror there).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from inbox.bus import EventBus
from inbox.events import ConversationUpdated
from inbox.models import Conversation, User

log = logging.getLogger(__name__)

OPEN = "open"
RESOLVED = "resolved"
STATUSES = (OPEN, RESOLVED)


class ConversationNotFound(LookupError):
    """No such conversation in this workspace."""


class ChangeRefused(ValueError):
    """The change makes no sense (unknown status, an assignee from another workspace)."""


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """What one call changed, and who asked (a Slack user id, a user's email, …)."""

    conversation: Conversation
    changed: tuple[str, ...]
    actor: str | None


async def _apply(
    workspace_id: uuid.UUID | str,
    conversation_id: uuid.UUID | str,
    wanted: dict[str, Any],
    actor: str | None,
    bus: EventBus | None,
) -> Conversation:
    try:
        conversation_id = uuid.UUID(str(conversation_id))
    except ValueError as exc:
        raise ConversationNotFound(str(conversation_id)) from exc
    async with in_transaction():
        found = (
            await Conversation.filter(id=conversation_id, workspace_id=workspace_id)
            .select_for_update()
            .first()
        )
        if found is None:
            raise ConversationNotFound(str(conversation_id))
        changed = tuple(k for k, v in wanted.items() if getattr(found, k) != v)
        if changed:
            await Conversation.filter(id=found.id).update(**wanted, slack_card_stale=True)
            for key, value in wanted.items():
                setattr(found, key, value)
    if not changed:
        return found
    change = ConversationChange(found, changed, actor)
    if bus is not None:
        await bus.publish(ConversationUpdated.of(change))
        await bus.hooks.changed(change)
    return found


async def set_status(
    workspace_id: uuid.UUID | str,
    conversation_id: uuid.UUID | str,
    status: str,
    *,
    actor: str | None = None,
    bus: EventBus | None = None,
) -> Conversation:
    """Mark a conversation open or resolved (no change, no event, when it already is)."""
    if status not in STATUSES:
        raise ChangeRefused(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    return await _apply(workspace_id, conversation_id, {"status": status}, actor, bus)


async def resolve(
    workspace_id: uuid.UUID | str,
    conversation_id: uuid.UUID | str,
    *,
    actor: str | None = None,
    bus: EventBus | None = None,
) -> Conversation:
    """Mark the conversation resolved; the customer writing again reopens it."""
    return await set_status(workspace_id, conversation_id, RESOLVED, actor=actor, bus=bus)


async def reopen(
    workspace_id: uuid.UUID | str,
    conversation_id: uuid.UUID | str,
    *,
    actor: str | None = None,
    bus: EventBus | None = None,
) -> Conversation:
    """Mark the conversation open again."""
    return await set_status(workspace_id, conversation_id, OPEN, actor=actor, bus=bus)


async def assign(
    workspace_id: uuid.UUID | str,
    conversation_id: uuid.UUID | str,
    *,
    user_id: uuid.UUID | str | None = None,
    slack_user: str | None = None,
    actor: str | None = None,
    bus: EventBus | None = None,
) -> Conversation:
    """Give the conversation to a cahts user or a Slack user; neither = unassigned."""
    if user_id is not None and slack_user is not None:
        raise ChangeRefused("assign to a user or to a Slack user, not both")
    if slack_user is not None and not (0 < len(slack_user) <= 32 and slack_user.isalnum()):
        raise ChangeRefused("that is not a Slack user id")
    if user_id is not None:
        try:
            user_key = uuid.UUID(str(user_id))
        except ValueError as exc:
            raise ChangeRefused("assignee_id is not a user id") from exc
        if not await User.exists(id=user_key, workspace_id=workspace_id, is_active=True):
            raise ChangeRefused("no active user with that id in this workspace")
        user_id = user_key
    wanted = {"assignee_id": user_id, "assignee_slack_user": slack_user}
    return await _apply(workspace_id, conversation_id, wanted, actor, bus)
