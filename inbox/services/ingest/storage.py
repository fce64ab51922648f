"""Applying normalized events for many bodies in one transaction, with multi-row statements.

Messages are inserted with ON CONFLICT DO NOTHING on (account, platform message id) and
read back to learn which were new, so retries, sync and replay never double anything.
Conversations are created the same way, then locked (FOR UPDATE, in id order) and updated
with one bulk statement, so concurrent writers never lose an unread count.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from inbox import events as domain
from inbox.models import Conversation, Message, PlatformAccount, WebhookLog
from inbox.platforms.events import (
    Attachment,
    DeliveryStatus,
    Echo,
    Event,
    Ignored,
    InboundMessage,
    MessageDeleted,
    MessageEdited,
    MessageKind,
    Note,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.parts import stored, unsupported_kind
from inbox.services.ingest import storage_pg
from inbox.services.ingest.items import IngestResult, StoreItem
from inbox.services.ingest.updates import apply_edit, mark_deleted, set_reaction, update_status

# Ids longer than their columns are not ids a platform sends; such events are skipped.
_ID_LIMITS = {
    "message_id": 255,
    "sender_id": 64,
    "recipient_id": 64,
    "customer_id": 64,
    "account_id": 64,
}


@dataclass(slots=True)
class _Pending:
    """A message event on its way into the messages table."""

    item: StoreItem
    event: InboundMessage | Echo
    account: PlatformAccount
    row: Message | None = None


def _oversized(event: Event) -> str | None:
    for name, limit in _ID_LIMITS.items():
        value = getattr(event, name, None)
        if isinstance(value, str) and len(value) > limit:
            return f"{type(event).__name__}.{name} longer than {limit} characters"
    if any(len(mid) > _ID_LIMITS["message_id"] for mid in getattr(event, "message_ids", ())):
        return f"{type(event).__name__}.message_ids longer than 255 characters"
    return None


def _order(event: Event) -> tuple[int, datetime]:
    """Messages first (so statuses in the same body find them), then by event time."""
    first = 0 if isinstance(event, InboundMessage | Echo) else 1
    stamp = getattr(event, "timestamp", None) or datetime.min.replace(tzinfo=UTC)
    return first, stamp


def _attachments(items: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    return [stored(a) for a in items]


def _participant(event: InboundMessage | Echo) -> tuple[str, str | None]:
    if isinstance(event, InboundMessage):
        return event.sender_id, event.sender_name
    return event.recipient_id, None


async def _accounts(items: list[StoreItem]) -> dict[tuple[str, str], PlatformAccount]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for event in item.events:
            if event.account_id and not isinstance(event, Ignored) and not _oversized(event):
                wanted[item.platform].add(event.account_id)
    found: dict[tuple[str, str], PlatformAccount] = {}
    pg = _connection()
    for platform, ids in wanted.items():
        if pg is not None:  # one plain statement: the queryset's building showed in profiles
            rows = await storage_pg.active_accounts(pg, platform, sorted(ids))
        else:
            rows = await PlatformAccount.filter(
                platform=platform, external_id__in=sorted(ids), is_active=True
            )
        found.update({(platform, a.external_id): a for a in rows})
    return found


def _sort_events(
    items: list[StoreItem], accounts: dict[tuple[str, str], PlatformAccount]
) -> tuple[list[_Pending], list[tuple[StoreItem, Event, PlatformAccount]]]:
    """Split events into messages and the rest, skipping what cannot be routed."""
    messages: list[_Pending] = []
    others: list[tuple[StoreItem, Event, PlatformAccount]] = []
    for item in items:
        missing: set[str] = set()
        for event in sorted(item.events, key=_order):
            if isinstance(event, Note):
                item.result.notes.append(event.text)
                continue
            if isinstance(event, Ignored):
                item.result.skipped.append(event.reason)
                item.result.skip_codes.append(event.code)
                continue
            problem = _oversized(event)
            if problem is not None:
                item.result.skipped.append(problem)
                item.result.skip_codes.append("oversized")
                continue
            account = accounts.get((item.platform, event.account_id))
            if account is None:
                item.result.skip_codes.append("unknown_account")
                if event.account_id not in missing:
                    missing.add(event.account_id)
                    item.result.skipped.append(f"account {event.account_id} is not connected")
                continue
            if isinstance(event, InboundMessage | Echo):
                messages.append(_Pending(item, event, account))
            else:
                others.append((item, event, account))
    return messages, others


def _connection() -> BaseDBAsyncClient | None:
    """The current (transaction) connection when it is PostgreSQL, for the set-based path."""
    conn = connections.get("default")
    return conn if conn.capabilities.dialect == "postgres" else None


async def _conversations(pending: list[_Pending]) -> dict[tuple[Any, str], Conversation]:
    """Create missing conversations, then lock every one this batch touches."""
    keys: dict[tuple[Any, str], _Pending] = {}
    for p in pending:
        keys.setdefault((p.account.id, _participant(p.event)[0]), p)
    if not keys:
        return {}
    pg = _connection()
    if pg is not None:
        rows = [
            (
                p.account.workspace_id,
                account_id,
                participant,
                (_participant(p.event)[1] or "")[:200],
            )
            for (account_id, participant), p in keys.items()
        ]
        locked = await storage_pg.upsert_conversations(pg, rows, datetime.now(UTC))
        return {(c.platform_account_id, c.participant_id): c for c in locked}
    await Conversation.bulk_create(
        [
            Conversation(
                id=uuid.uuid4(),
                workspace_id=p.account.workspace_id,
                platform_account_id=p.account.id,
                participant_id=participant,
                participant_name=(_participant(p.event)[1] or "")[:200],
            )
            for (_, participant), p in sorted(
                keys.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
            )
        ],
        ignore_conflicts=True,
    )
    found = await (
        Conversation.filter(
            platform_account_id__in=list({k[0] for k in keys}),
            participant_id__in=list({k[1] for k in keys}),
        )
        .order_by("id")
        .select_for_update()
    )
    return {
        (row.platform_account_id, row.participant_id): row
        for row in found
        if (row.platform_account_id, row.participant_id) in keys
    }


def _message_fields(p: _Pending, conversation: Conversation) -> dict[str, Any]:
    event = p.event
    incoming = isinstance(event, InboundMessage)
    participant, name = _participant(event)
    return {
        "workspace_id": p.account.workspace_id,
        "platform_account_id": p.account.id,
        "conversation_id": conversation.id,
        "platform_message_id": event.message_id,
        "sender_id": participant if incoming else p.account.external_id,
        "sender_name": ((name or "") if incoming else p.account.name)[:200],
        "content": event.text or "",
        "kind": str(event.kind),
        "attachments": _attachments(event.attachments),
        "is_incoming": incoming,
        "is_read": not incoming,
        "status": "received" if incoming else str(DeliveryStatus.SENT),
        "reply_to": (getattr(event, "reply_to", None) or "")[:255] or None,
        "payload": getattr(event, "payload", None),
        "source": p.item.source,
        "received_at": event.timestamp,
    }


async def _insert_messages(
    pending: list[_Pending], conversations: dict[tuple[Any, str], Conversation]
) -> list[_Pending]:
    """Insert every message once; returns those that were new (with their stored rows)."""
    if not pending:
        return []
    fields = [
        _message_fields(p, conversations[(p.account.id, _participant(p.event)[0])]) for p in pending
    ]
    inserted = await _insert_rows(fields)
    fresh: list[_Pending] = []
    for p, row in zip(pending, fields, strict=True):
        stored = inserted.pop((row["platform_account_id"], row["platform_message_id"]), None)
        if stored is not None:  # the same mid twice in a batch counts once
            p.row = stored
            p.item.result.stored += 1
            if p.event.kind == MessageKind.UNSUPPORTED and isinstance(p.event, InboundMessage):
                p.item.result.unsupported.append(unsupported_kind(p.event.attachments) or "unknown")
            fresh.append(p)
        else:
            p.item.result.duplicates += 1
            if p.item.replay and p.event.kind != MessageKind.UNSUPPORTED:
                await _rederive(row)
    return fresh


async def _rederive(row: dict[str, Any]) -> None:
    """A message stored as unsupported that this version understands (a replay of its body)
    takes its content; the row keeps its ids, thread mapping, status and Slack post."""
    await Message.filter(
        platform_account_id=row["platform_account_id"],
        platform_message_id=row["platform_message_id"],
        kind=str(MessageKind.UNSUPPORTED),
        is_deleted=False,
    ).update(
        kind=row["kind"],
        content=row["content"],
        attachments=row["attachments"],
        payload=row["payload"],
    )


async def _insert_rows(rows: list[dict[str, Any]]) -> dict[tuple[Any, str], Message]:
    """Insert with ON CONFLICT DO NOTHING; the rows that went in, by (account, platform id)."""
    pg = _connection()
    if pg is not None:
        stored = await storage_pg.insert_messages(pg, rows, datetime.now(UTC))
        made = [Message._init_from_db(**row) for row in stored]
    else:
        objs = sorted(
            (Message(id=uuid.uuid4(), **row) for row in rows),
            key=lambda m: (str(m.platform_account_id), m.platform_message_id),
        )
        await Message.bulk_create(objs, ignore_conflicts=True)
        ids = await Message.filter(id__in=[m.id for m in objs]).values_list("id", flat=True)
        kept = {uuid.UUID(str(i)) for i in ids}
        made = [m for m in objs if m.id in kept]
    return {(m.platform_account_id, m.platform_message_id): m for m in made}


async def _touch(
    fresh: list[_Pending], conversations: dict[tuple[Any, str], Conversation]
) -> list[Conversation]:
    """Move last_message_at / last_incoming_at forward, count unread, learn names."""
    changed: dict[uuid.UUID, Conversation] = {}
    for p in fresh:
        participant, name = _participant(p.event)
        c = conversations[(p.account.id, participant)]
        at = p.event.timestamp
        if c.last_message_at is None or c.last_message_at < at:
            c.last_message_at = at
        if isinstance(p.event, InboundMessage):
            if c.last_incoming_at is None or c.last_incoming_at < at:
                c.last_incoming_at = at
            c.unread_count += 1
            c.status = "open"  # a resolved conversation reopens when the customer writes again
        if name and c.participant_name != name[:200]:
            c.participant_name = name[:200]
        changed[c.id] = c
        p.item.result.conversations.add(c.id)
    return list(changed.values())


async def _save_conversations(changed: list[Conversation]) -> None:
    """The ORM path's write of what _touch changed (PostgreSQL does it in finish_batch)."""
    if changed:
        await Conversation.bulk_update(
            changed,
            fields=[
                "last_message_at",
                "last_incoming_at",
                "unread_count",
                "participant_name",
                "status",
            ],
        )


async def apply_batch(items: list[StoreItem], now: datetime) -> None:
    """Apply every item's events and write their log rows; call inside a transaction."""
    accounts = await _accounts(items)
    messages, others = _sort_events(items, accounts)
    conversations = await _conversations(messages)
    fresh = await _insert_messages(messages, conversations)
    changed = await _touch(fresh, conversations)
    for p in fresh:
        assert p.row is not None
        conversation = conversations[(p.account.id, _participant(p.event)[0])]
        p.item.result.events.append(domain.NewMessage.of(p.row, conversation, p.item.platform))
    for item, event, account in others:
        if isinstance(event, StatusUpdate):
            await update_status(item, account, event)
        elif isinstance(event, Reaction):
            await set_reaction(item, account, event)
        elif isinstance(event, MessageDeleted):
            await mark_deleted(item, account, event)
        elif isinstance(event, MessageEdited):
            await apply_edit(item, account, event)
    logs = await _logs(items)
    account_ids = [a.id for a in accounts.values()]
    pg = _connection()
    if pg is not None:
        if changed or account_ids or logs:
            await storage_pg.finish_batch(pg, changed, account_ids, logs, datetime.now(UTC))
        return
    await _save_conversations(changed)
    if account_ids:
        await PlatformAccount.filter(id__in=account_ids).update(last_webhook_at=now)
    if logs:
        await WebhookLog.bulk_create(
            [
                WebhookLog(id=i, platform=p, payload=b, processed=True, error=e)
                for i, p, b, e in logs
            ]
        )


async def _logs(items: list[StoreItem]) -> list[tuple[uuid.UUID, str, Any, str | None]]:
    """New webhook_logs rows (id, platform, payload, error); a replay's own row is updated."""
    logs: list[tuple[uuid.UUID, str, Any, str | None]] = []
    for item in items:
        said = item.result.skipped + [f"note: {text}" for text in item.result.notes]
        error = "; ".join(said)[:4000] or None
        if item.replay:
            await WebhookLog.filter(id=item.result.log_id).update(processed=True, error=error)
        elif item.log_payload is not None:
            logs.append((item.result.log_id, item.platform, item.log_payload, error))
    return logs


__all__ = ["IngestResult", "StoreItem", "apply_batch"]
