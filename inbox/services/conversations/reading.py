"""Marking messages read: the message, its conversation's unread count, and the event."""

from __future__ import annotations

import uuid

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from inbox.bus import EventBus
from inbox.events import MessageRead
from inbox.models import Conversation, Message


async def mark_read(
    workspace_id: uuid.UUID, message_id: uuid.UUID, bus: EventBus | None = None
) -> Message | None:
    """Mark one of the workspace's messages read (idempotent); None when it is not theirs."""
    message = await Message.get_or_none(id=message_id, workspace_id=workspace_id)
    if message is None:
        return None
    async with in_transaction():
        changed = await Message.filter(id=message.id, is_read=False).update(is_read=True)
        if changed and message.is_incoming:
            await Conversation.filter(
                id=message.conversation_id,
                unread_count__gt=0,
            ).update(unread_count=F("unread_count") - 1)
    message.is_read = True
    if changed and bus is not None:
        conversation = await Conversation.get(id=message.conversation_id)
        await bus.publish(MessageRead.of(workspace_id, message, conversation))
    return message
