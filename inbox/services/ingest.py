"""Webhook ingest: one verified body → one transaction (log + messages) → events after commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from inbox.bus import DomainEvent, EventBus
from inbox.models import Conversation, Message, PlatformAccount, WebhookLog
from inbox.platforms.base import get_adapter
from inbox.platforms.events import (
    DELIVERY_RANK,
    Attachment,
    DeliveryStatus,
    Echo,
    Event,
    Ignored,
    InboundMessage,
    MessageDeleted,
    Reaction,
    StatusUpdate,
)
from inbox.serialize import conversation_dict, message_dict

log = logging.getLogger(__name__)


class UnknownPlatformError(LookupError):
    """No adapter exists for the platform named in the path."""


@dataclass(slots=True)
class IngestResult:
    """What one webhook body changed."""

    log_id: uuid.UUID
    stored: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)
    conversations: set[uuid.UUID] = field(default_factory=set)


StoreHook = Callable[[IngestResult], Awaitable[None]]

# Called after each commit with what was stored; failures are logged, never raised, since
# the data is already durable and sweeps catch up. The composition root registers hooks.
AFTER_STORE: list[StoreHook] = []


def _attachments(items: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    return [{k: v for k, v in vars_(a).items() if v is not None} for a in items]


def vars_(attachment: Attachment) -> dict[str, Any]:
    """An attachment as a plain dict."""
    return {s: getattr(attachment, s) for s in attachment.__slots__}


def scrub(value: Any) -> Any:
    """Drop NUL characters, which PostgreSQL text and jsonb refuse, from a JSON value."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


# Ids longer than their columns are not ids a platform sends; such events are skipped.
_ID_LIMITS = {"message_id": 255, "sender_id": 64, "recipient_id": 64, "account_id": 64}


def _oversized(event: Event) -> str | None:
    for name, limit in _ID_LIMITS.items():
        value = getattr(event, name, None)
        if isinstance(value, str) and len(value) > limit:
            return f"{type(event).__name__}.{name} longer than {limit} characters"
    return None


def _order(event: Event) -> tuple[int, datetime]:
    """Messages first (so statuses in the same body find them), then by event time."""
    first = 0 if isinstance(event, InboundMessage | Echo) else 1
    stamp = getattr(event, "timestamp", None) or datetime.min.replace(tzinfo=UTC)
    return first, stamp


class _Batch:
    """Applies one body's events inside the open transaction."""

    def __init__(self, platform: str, result: IngestResult, source: str = "webhook") -> None:
        self.platform = platform
        self.source = source
        self.result = result
        self._accounts: dict[str, PlatformAccount | None] = {}
        self._touched: dict[uuid.UUID, Conversation] = {}

    async def account(self, external_id: str | None) -> PlatformAccount | None:
        """The connected, active account for an id in the payload (cached per body)."""
        if external_id is None:
            return None
        if external_id not in self._accounts:
            found = await PlatformAccount.get_or_none(
                platform=self.platform, external_id=external_id, is_active=True
            )
            self._accounts[external_id] = found
            if found is None:
                self.result.skipped.append(f"account {external_id} is not connected")
        return self._accounts[external_id]

    async def conversation(
        self, account: PlatformAccount, participant_id: str, name: str | None
    ) -> Conversation:
        """Get or create the conversation, race-free under concurrent webhooks."""
        await Conversation.bulk_create(
            [
                Conversation(
                    id=uuid.uuid4(),
                    workspace_id=account.workspace_id,  # type: ignore[attr-defined]
                    platform_account_id=account.id,
                    participant_id=participant_id,
                    participant_name=(name or "")[:200],
                    slack_channel=None,
                )
            ],
            ignore_conflicts=True,
        )
        conversation = await Conversation.get(
            platform_account_id=account.id, participant_id=participant_id
        )
        if name and conversation.participant_name != name[:200]:
            conversation.participant_name = name[:200]
            await conversation.save(update_fields=["participant_name"])
        return conversation

    async def insert_message(self, message: Message) -> bool:
        """Insert unless (account, platform message id) exists; True when it was new."""
        await Message.bulk_create([message], ignore_conflicts=True)
        stored = await Message.filter(
            platform_account_id=message.platform_account_id,  # type: ignore[attr-defined]
            platform_message_id=message.platform_message_id,
        ).values_list("id", flat=True)
        return bool(stored) and stored[0] == message.id

    async def touch(self, conversation: Conversation, at: datetime, *, incoming: bool) -> None:
        """Move last_message_at forward (never back) and count an unread incoming message."""
        await (
            Conversation.filter(id=conversation.id)
            .filter(Q(last_message_at__isnull=True) | Q(last_message_at__lt=at))
            .update(last_message_at=at)
        )
        if incoming:
            await (
                Conversation.filter(id=conversation.id)
                .filter(Q(last_incoming_at__isnull=True) | Q(last_incoming_at__lt=at))
                .update(last_incoming_at=at)
            )
            await Conversation.filter(id=conversation.id).update(unread_count=F("unread_count") + 1)
        self._touched[conversation.id] = conversation

    async def apply(self, event: Event) -> None:
        """Apply one normalized event."""
        if isinstance(event, Ignored):
            self.result.skipped.append(event.reason)
            return
        problem = _oversized(event)
        if problem is not None:
            self.result.skipped.append(problem)
            return
        account = await self.account(event.account_id)
        if account is None:
            return
        if isinstance(event, InboundMessage | Echo):
            await self._message(account, event)
        elif isinstance(event, StatusUpdate):
            await self._status(account, event)
        elif isinstance(event, Reaction):
            await self._reaction(account, event)
        elif isinstance(event, MessageDeleted):
            await self._deleted(account, event)

    async def _message(self, account: PlatformAccount, event: InboundMessage | Echo) -> None:
        incoming = isinstance(event, InboundMessage)
        participant = event.sender_id if isinstance(event, InboundMessage) else event.recipient_id
        name = event.sender_name if isinstance(event, InboundMessage) else None
        conversation = await self.conversation(account, participant, name)
        message = Message(
            id=uuid.uuid4(),
            workspace_id=account.workspace_id,  # type: ignore[attr-defined]
            platform_account_id=account.id,
            conversation_id=conversation.id,
            platform_message_id=event.message_id,
            sender_id=participant if incoming else account.external_id,
            sender_name=((name or "") if incoming else account.name)[:200],
            content=event.text or "",
            kind=str(event.kind),
            attachments=_attachments(event.attachments),
            is_incoming=incoming,
            is_read=not incoming,
            status="received" if incoming else str(DeliveryStatus.SENT),
            reply_to=(getattr(event, "reply_to", None) or "")[:255] or None,
            payload=getattr(event, "payload", None),
            source=self.source,
            received_at=event.timestamp,
        )
        if not await self.insert_message(message):
            self.result.duplicates += 1
            return
        self.result.stored += 1
        self.result.conversations.add(conversation.id)
        await self.touch(conversation, event.timestamp, incoming=incoming)
        self.result.events.append(
            {
                "type": "new_message",
                "workspace_id": str(account.workspace_id),  # type: ignore[attr-defined]
                "conversation_id": str(conversation.id),
                "message": message_dict(message, self.platform),
            }
        )

    async def _status(self, account: PlatformAccount, event: StatusUpdate) -> None:
        rank = DELIVERY_RANK[event.status]
        lower = [str(s) for s, r in DELIVERY_RANK.items() if r < rank]
        query = Message.filter(platform_account_id=account.id, is_incoming=False, status__in=lower)
        if event.message_ids:
            query = query.filter(platform_message_id__in=list(event.message_ids))
        elif event.watermark is not None:
            query = query.filter(
                conversation__participant_id=event.customer_id,
                received_at__lte=event.watermark,
            )
        else:
            return
        rows = await query.values("id", "platform_message_id", "conversation_id")
        if not rows:
            return
        changes: dict[str, Any] = {"status": str(event.status)}
        if event.status is DeliveryStatus.FAILED:
            code = event.error_code
            changes.update(
                error_code=code if code is not None and abs(code) < 2**31 else None,
                error_message=event.error_message,
            )
        # Re-check the rank in the UPDATE itself so a concurrent newer status is never undone.
        await Message.filter(id__in=[r["id"] for r in rows], status__in=lower).update(**changes)
        self.result.events.append(
            {
                "type": "message_status",
                "workspace_id": str(account.workspace_id),  # type: ignore[attr-defined]
                "status": str(event.status),
                "error_code": event.error_code,
                "error_message": event.error_message,
                "message_ids": [str(r["id"]) for r in rows],
                "platform_message_ids": [r["platform_message_id"] for r in rows],
            }
        )

    async def _reaction(self, account: PlatformAccount, event: Reaction) -> None:
        target = await Message.get_or_none(
            platform_account_id=account.id, platform_message_id=event.message_id
        )
        if target is None:
            self.result.skipped.append(f"reaction to unknown message {event.message_id}")
            return
        await Message.filter(id=target.id).update(reaction=(event.emoji or "")[:64] or None)
        self.result.events.append(
            {
                "type": "message_reaction",
                "workspace_id": str(account.workspace_id),  # type: ignore[attr-defined]
                "message_id": str(target.id),
                "conversation_id": str(target.conversation_id),  # type: ignore[attr-defined]
                "emoji": event.emoji,
            }
        )

    async def _deleted(self, account: PlatformAccount, event: MessageDeleted) -> None:
        target = await Message.get_or_none(
            platform_account_id=account.id,
            platform_message_id=event.message_id,
            is_incoming=True,
        )
        if target is None:
            self.result.skipped.append(f"deletion of unknown message {event.message_id}")
            return
        # The customer unsent it: keep the row (ids, thread mapping) but not what it said.
        await Message.filter(id=target.id).update(is_deleted=True, content="", attachments=[])
        self.result.events.append(
            {
                "type": "message_deleted",
                "workspace_id": str(account.workspace_id),  # type: ignore[attr-defined]
                "message_id": str(target.id),
                "conversation_id": str(target.conversation_id),  # type: ignore[attr-defined]
            }
        )

    async def finish(self, now: datetime) -> None:
        """Stamp accounts with the webhook time and put fresh conversation state on events."""
        seen = [a.id for a in self._accounts.values() if a is not None]
        if seen:
            await PlatformAccount.filter(id__in=seen).update(last_webhook_at=now)
        if not self._touched:
            return
        fresh = {c.id: c for c in await Conversation.filter(id__in=list(self._touched)).all()}
        for event in self.result.events:
            if event["type"] == "new_message":
                conversation = fresh.get(uuid.UUID(event["conversation_id"]))
                if conversation is not None:
                    event["conversation"] = conversation_dict(conversation, self.platform)


def parse(platform: str, payload: Any) -> list[Event]:
    """Parse a body with its platform's adapter (UnknownPlatformError, PayloadError)."""
    adapter = get_adapter(platform)
    if adapter is None:
        raise UnknownPlatformError(platform)
    return adapter.parse(payload)


async def store_events(
    platform: str,
    events: list[Event],
    bus: EventBus | None = None,
    *,
    source: str = "webhook",
    log_payload: Any = None,
    log_id: uuid.UUID | None = None,
    replay: bool = False,
) -> IngestResult:
    """Apply normalized events in one transaction (with the webhook log row), then announce.

    The dedup key makes this safe to call with events already stored (retries, sync,
    replay). After commit: domain events go on the bus and the conversations that got new
    messages are handed to `after_store` hooks (e.g. the Slack mirror).
    """
    result = IngestResult(log_id=log_id or uuid.uuid4())
    now = datetime.now(UTC)
    async with in_transaction():
        batch = _Batch(platform, result, source)
        for event in sorted(events, key=_order):
            await batch.apply(event)
        await batch.finish(now)
        error = "; ".join(result.skipped)[:4000] or None
        if replay:
            await WebhookLog.filter(id=result.log_id).update(processed=True, error=error)
        elif log_payload is not None:
            await WebhookLog.create(
                id=result.log_id,
                platform=platform,
                payload=log_payload,
                processed=True,
                error=error,
            )
    if result.skipped:
        log.info("%s %s skipped: %s", source, result.log_id, "; ".join(result.skipped)[:500])
    if bus is not None:
        for domain_event in result.events:
            await bus.publish(domain_event)
    for hook in AFTER_STORE:
        try:
            await hook(result)
        except Exception:
            log.exception("after-store hook %s failed; the sweep will catch up", hook)
    return result


async def ingest(
    platform: str, payload: Any, bus: EventBus | None = None, *, log_id: uuid.UUID | None = None
) -> IngestResult:
    """Store a verified body and everything it carries in one transaction, then announce it.

    With `log_id`, the existing webhook_logs row is re-processed (replay) instead of a new one.
    """
    payload = scrub(payload)
    events = parse(platform, payload)
    return await store_events(
        platform, events, bus, log_payload=payload, log_id=log_id, replay=log_id is not None
    )
