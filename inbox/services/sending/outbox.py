"""The one way an outbound message leaves: outbox row first, then a task that calls the platform."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from inbox import logs
from inbox.bus import EventBus
from inbox.events import MessageStatus
from inbox.graph import GraphClient, GraphError
from inbox.models import Conversation, Message, Outbox, PlatformAccount
from inbox.platforms.events import DELIVERY_RANK, DeliveryStatus
from inbox.platforms.outbound import (
    EXPLANATIONS,
    OutboundMessage,
    SendErrorKind,
    reply_window,
    split_text,
)
from inbox.platforms.registry import get_adapter
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import tunable

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
TEMPLATE_KIND = "template"
UNCERTAIN_TEMPLATE = (
    "cahts lost track of this template while sending it (no answer from Meta, or a worker "
    "stopped): it may have reached the customer; check before pressing Retry"
)
PENDING_PREFIX = "pending:"


class SendRefused(Exception):
    """A reply that cannot be sent now; the message says why in an agent's words."""


@dataclass(frozen=True, slots=True)
class ReplyAttachment:
    """A file to send by URL."""

    type: str
    url: str
    name: str | None = None


def lease() -> timedelta:
    """How long one attempt holds its row (SEND_LEASE_SECONDS, default 60); then it is retaken."""
    return timedelta(seconds=max(tunable("SEND_LEASE_SECONDS"), 1.0))


def retry_delay(attempt: int) -> float:
    """Exponential backoff for the n-th failed attempt (SEND_RETRY_BASE_SECONDS, default 1)."""
    base = tunable("SEND_RETRY_BASE_SECONDS")
    return float(min(base * 2 ** max(attempt - 1, 0), 300.0))


async def queue_reply(
    conversation: Conversation,
    *,
    text: str | None,
    attachments: Sequence[ReplyAttachment] = (),
    agent: str | None,
    source: str,
    agent_slack_user: str | None = None,
    slack_ts: str | None = None,
    now: datetime | None = None,
) -> list[Message]:
    """Check the window, then store each piece with its outbox row in one transaction.

    Long text becomes several messages (platform limits); each attachment is its own
    message. Returns them in send order; enqueueing is the caller's next step
    (`inbox.tasks.sending.enqueue_sends`), so a crash between the two only delays the send.
    """
    now = now or datetime.now(UTC)
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    if not account.is_active:
        raise SendRefused("this account is disconnected; reconnect it to reply")
    adapter = get_adapter(account.platform)
    if adapter is None:
        raise SendRefused(f"unknown platform {account.platform}")
    decision = reply_window(
        conversation.last_incoming_at, now, adapter.extended_window, adapter.window
    )
    if not decision.allowed:
        raise SendRefused(decision.reason or EXPLANATIONS[SendErrorKind.WINDOW_CLOSED])
    cleaned = (text or "").strip()
    pieces = split_text(cleaned, adapter.max_text_chars, adapter.max_text_bytes) if cleaned else []
    if not pieces and not attachments:
        raise SendRefused("there is nothing to send")
    parts: list[tuple[str, list[dict[str, str]], str]] = [(p, [], "text") for p in pieces]
    parts += [(a.name or "", [{"type": a.type, "url": a.url}], "media") for a in attachments]
    created: list[Message] = []
    async with in_transaction():
        for index, (content, files, kind) in enumerate(parts):
            message = await Message.create(
                workspace_id=conversation.workspace_id,
                platform_account_id=account.id,
                conversation_id=conversation.id,
                platform_message_id=f"{PENDING_PREFIX}{uuid.uuid4()}",
                sender_id=account.external_id,
                sender_name=(agent or account.name)[:200],
                content=content,
                kind=kind,
                attachments=files,
                is_incoming=False,
                is_read=True,
                status=str(DeliveryStatus.PENDING),
                agent=agent,
                agent_slack_user=agent_slack_user,
                source=source,
                slack_ts=slack_ts if index == 0 else None,
                slack_posted=source == "slack",
                received_at=now + timedelta(microseconds=index),
            )
            await Outbox.create(workspace_id=message.workspace_id, message=message)
            created.append(message)
        await (
            Conversation.filter(id=conversation.id)
            .filter(Q(last_message_at__isnull=True) | Q(last_message_at__lt=now))
            .update(last_message_at=now)
        )
    return created


async def _earlier_in_flight(outbox_id: uuid.UUID) -> bool:
    """True while a send written before this one, to the same conversation, is unfinished."""
    rows = await Message.filter(outbox__id=outbox_id).values("conversation_id", "received_at")
    if not rows:
        return False
    return await Outbox.filter(
        status__in=["pending", "sending"],
        message__conversation_id=rows[0]["conversation_id"],
        message__received_at__lt=rows[0]["received_at"],
    ).exists()


async def next_in_line(outbox_id: uuid.UUID) -> uuid.UUID | None:
    """The conversation's oldest unfinished send after this one finished, to resume it."""
    rows = await Message.filter(outbox__id=outbox_id).values("conversation_id")
    if not rows:
        return None
    following = (
        await Outbox.filter(
            status__in=["pending", "sending"], message__conversation_id=rows[0]["conversation_id"]
        )
        .order_by("message__received_at")
        .limit(1)
        .values_list("id", flat=True)
    )
    return uuid.UUID(str(following[0])) if following else None


async def _claim(outbox_id: uuid.UUID, now: datetime) -> bool:
    """Take a due row for this attempt; a row held by a live attempt (lease) is left alone."""
    claimed = (
        await Outbox.filter(id=outbox_id)
        .filter(
            Q(status="pending", next_attempt_at__isnull=True)
            | Q(status="pending", next_attempt_at__lte=now)
            | Q(status="sending", updated_at__lt=now - lease())
        )
        .update(status="sending", attempts=F("attempts") + 1, updated_at=now)
    )
    return claimed == 1


async def send_wait(outbox_id: uuid.UUID, now: datetime | None = None) -> float | None:
    """Seconds until the row may be tried again (backoff or a lease running out); None when done."""
    now = now or datetime.now(UTC)
    row = await Outbox.get_or_none(id=outbox_id)
    if row is None or row.status not in ("pending", "sending"):
        return None
    if row.status == "sending":
        return max((row.updated_at + lease() - now).total_seconds(), 0.0)
    due = row.next_attempt_at or now
    return max((due - now).total_seconds(), 0.0)


async def _fail(
    outbox: Outbox, message: Message, code: int | None, words: str, bus: EventBus | None
) -> str:
    async with in_transaction():
        await Outbox.filter(id=outbox.id).update(status="failed", last_error=words)
        await Message.filter(id=message.id).update(
            status=str(DeliveryStatus.FAILED), error_code=code, error_message=words
        )
    await _publish_status(message, DeliveryStatus.FAILED, code, words, bus)
    return "failed"


async def _publish_status(
    message: Message,
    status: DeliveryStatus,
    code: int | None,
    words: str | None,
    bus: EventBus | None,
) -> None:
    if bus is None:
        return
    fresh = await Message.get(id=message.id)
    await bus.publish(
        MessageStatus.of(
            message.workspace_id,
            status,
            [(message.id, fresh.platform_message_id)],
            code,
            words,
            message=fresh,
        )
    )


async def deliver(
    outbox_id: uuid.UUID,
    *,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None = None,
    now: datetime | None = None,
) -> str:
    """One attempt at one outbox row: 'sent', 'failed', 'retry', 'blocked' or 'skip'.

    'skip' means the row was not taken: already sent or failed, not due yet, or held by
    another attempt whose lease has not run out (`send_wait` says how long to wait).
    'blocked' means an earlier send of the same conversation is still in flight: sends
    leave in the order they were written, and `next_in_line` resumes this one after it.
    """
    now = now or datetime.now(UTC)
    if await _earlier_in_flight(outbox_id):
        return "blocked"
    if await _abandoned_template(outbox_id, now, bus):
        return "failed"
    if not await _claim(outbox_id, now):
        return "skip"
    outbox = await Outbox.get(id=outbox_id)
    logs.workspace_id.set(str(outbox.workspace_id))
    message = await Message.get(id=outbox.message_id)
    logs.account_id.set(str(message.platform_account_id))
    conversation = await Conversation.get(id=message.conversation_id)
    account = await PlatformAccount.get(id=message.platform_account_id)
    adapter = get_adapter(account.platform)
    if adapter is None or not account.is_active:
        return await _fail(outbox, message, None, "the account is disconnected", bus)
    template = _template_of(message)
    decision = reply_window(
        conversation.last_incoming_at, now, adapter.extended_window, adapter.window
    )
    if template is None and not decision.allowed:
        return await _fail(outbox, message, None, decision.reason or "window closed", bus)
    try:
        token = cipher.decrypt(account.access_token)
    except TokenDecryptError:
        return await _fail(outbox, message, None, EXPLANATIONS[SendErrorKind.TOKEN_INVALID], bus)
    files = message.attachments or []
    outbound = OutboundMessage(
        recipient_id=conversation.participant_id,
        text=None if template is not None else (message.content or None),
        attachment_type=files[0].get("type") if files else None,
        attachment_url=files[0].get("url") if files else None,
        tag=None if template is not None else decision.tag,
        template=template,
    )
    started = time.monotonic()
    try:
        # Bounded well inside the lease, so a live attempt is never taken for a dead one.
        async with asyncio.timeout(lease().total_seconds() / 2):
            sent_id = await adapter.send(graph, token, account.external_id, outbound)
    except asyncio.CancelledError:
        # A stopping worker gave this send back: the next attempt need not wait out the lease.
        await asyncio.shield(_give_back(outbox.id))
        raise
    except (GraphError, TimeoutError) as raised:
        exc = (
            raised
            if isinstance(raised, GraphError)
            else GraphError(0, "no answer from the Graph API in time")
        )
        exc.kind = adapter.classify_error(exc.status, exc.code)
        if template is not None and exc.status == 0:
            return await _fail(outbox, message, None, UNCERTAIN_TEMPLATE, bus)
        if exc.kind is SendErrorKind.TOKEN_INVALID:
            await PlatformAccount.filter(id=account.id).update(
                needs_attention=True, attention_reason=exc.explain()
            )
        if exc.retryable and outbox.attempts < MAX_ATTEMPTS:
            failed_at = now + timedelta(seconds=time.monotonic() - started)
            await Outbox.filter(id=outbox.id).update(
                status="pending",
                last_error=exc.explain(),
                next_attempt_at=failed_at
                + timedelta(seconds=max(retry_delay(outbox.attempts), exc.retry_after or 0.0)),
            )
            return "retry"
        return await _fail(outbox, message, exc.code, exc.explain(), bus)
    mid = sent_id or f"unknown:{outbox.id}"
    await _mark_sent(outbox, message, account, mid)
    await _publish_status(message, DeliveryStatus.SENT, None, None, bus)
    return "sent"


async def _give_back(outbox_id: uuid.UUID) -> None:
    """Return a claimed row to the due ones (the attempt holding it was abandoned)."""
    await Outbox.filter(id=outbox_id, status="sending").update(
        status="pending", next_attempt_at=datetime.now(UTC)
    )


async def _abandoned_template(outbox_id: uuid.UUID, now: datetime, bus: EventBus | None) -> bool:
    """A template whose attempt died mid-send is failed, never sent again by itself.

    Templates are billed and must reach the customer at most once: the dead attempt may have
    reached Meta, so an agent decides (Retry) instead of a takeover sending it twice.
    """
    rows = await Message.filter(outbox__id=outbox_id, kind=TEMPLATE_KIND).values("id")
    if not rows:
        return False
    taken = await Outbox.filter(
        id=outbox_id, status="sending", updated_at__lt=now - lease()
    ).update(status="failed", last_error=UNCERTAIN_TEMPLATE)
    if taken != 1:
        return False
    message = await Message.get(id=rows[0]["id"])
    await Message.filter(id=message.id).update(
        status=str(DeliveryStatus.FAILED), error_code=None, error_message=UNCERTAIN_TEMPLATE
    )
    await _publish_status(message, DeliveryStatus.FAILED, None, UNCERTAIN_TEMPLATE, bus)
    return True


def _template_of(message: Message) -> dict[str, Any] | None:
    """The Cloud API `template` object stored with a template message (kind "template")."""
    if message.kind != TEMPLATE_KIND or not message.payload or message.is_incoming:
        return None
    try:
        stored = json.loads(message.payload)
    except ValueError:
        return None
    send = stored.get("send") if isinstance(stored, dict) else None
    return send if isinstance(send, dict) else None


async def _mark_sent(outbox: Outbox, message: Message, account: PlatformAccount, mid: str) -> None:
    """Record the platform id; an echo (webhook or sync) that beat us here was this message."""
    lower = [str(s) for s, r in DELIVERY_RANK.items() if r < DELIVERY_RANK[DeliveryStatus.SENT]]
    async with in_transaction():
        await (
            Message.filter(
                platform_account_id=account.id, platform_message_id=mid, is_incoming=False
            )
            .exclude(id=message.id)
            .delete()
        )
        await Message.filter(id=message.id).update(platform_message_id=mid)
        await Message.filter(id=message.id, status__in=lower).update(
            status=str(DeliveryStatus.SENT)
        )
        await Outbox.filter(id=outbox.id).update(status="sent", last_error=None)


async def due_outbox(
    now: datetime | None = None, stale: timedelta = timedelta(minutes=2)
) -> list[uuid.UUID]:
    """Outbox rows that should be in flight but are not (enqueue failed, worker died)."""
    now = now or datetime.now(UTC)
    rows = await Outbox.filter(
        Q(status="pending", next_attempt_at__isnull=True, updated_at__lt=now - stale)
        | Q(status="pending", next_attempt_at__lte=now)
        | Q(status="sending", updated_at__lt=now - lease())
    ).values_list("id", flat=True)
    return [uuid.UUID(str(r)) for r in rows]
