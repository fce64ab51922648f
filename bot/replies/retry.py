"""The Retry button: send a failed message again, if it still can go."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from inbox.models import Conversation, Message, Outbox, PlatformAccount
from inbox.platforms.events import DeliveryStatus
from inbox.platforms.outbound import reply_window
from inbox.platforms.registry import get_adapter
from inbox.tasks.sending import enqueue_sends


class RetryRefused(Exception):
    """The message cannot be retried; the text says why to the person who asked."""


async def retry_failed(message_id: str, now: datetime | None = None) -> Message:
    """Put a failed message's send back in the outbox and enqueue it (RetryRefused if not)."""
    now = now or datetime.now(UTC)
    try:
        key = uuid.UUID(message_id)
    except ValueError as exc:
        raise RetryRefused("that button does not name a message") from exc
    message = await Message.get_or_none(id=key)
    if message is None:
        raise RetryRefused("this message no longer exists")
    if message.status != DeliveryStatus.FAILED:
        raise RetryRefused(f"it is not failed any more (now {message.status})")
    conversation = await Conversation.get(id=message.conversation_id)
    account = await PlatformAccount.get(id=message.platform_account_id)
    adapter = get_adapter(account.platform)
    if adapter is None or not account.is_active:
        raise RetryRefused("the account is disconnected; reconnect it first")
    decision = reply_window(
        conversation.last_incoming_at, now, adapter.extended_window, adapter.window
    )
    if message.kind != "template" and not decision.allowed:  # a template goes past the window
        raise RetryRefused(decision.reason or "the reply window is closed")
    async with in_transaction():
        reset = await Outbox.filter(message_id=message.id, status__in=["failed", "sent"]).update(
            status="pending", attempts=0, next_attempt_at=None, last_error=None, updated_at=now
        )
        if reset != 1:
            raise RetryRefused("it was not sent by cahts, or a retry is already under way")
        changed = await Message.filter(id=message.id, status=DeliveryStatus.FAILED).update(
            status=str(DeliveryStatus.PENDING), error_code=None, error_message=None
        )
        if changed != 1:
            raise RetryRefused("someone retried it already")
    await enqueue_sends([message])
    return message
