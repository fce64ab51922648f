"""Storing normalized events for many bodies at once: routed, then written atomically.

Messages are inserted with ON CONFLICT DO NOTHING on (account, platform message id), and
only the rows that went in move their conversation on (times, unread count, name), so
retries, sync and replay never double anything. On PostgreSQL that is one statement
(storage_pg); on SQLite the ORM steps of storage_orm in one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from inbox import events as domain
from inbox.models import Message, PlatformAccount, WebhookLog
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
from inbox.services.ingest import storage_orm, storage_pg
from inbox.services.ingest.accounts import AccountCache
from inbox.services.ingest.items import IngestResult, StoreItem
from inbox.services.ingest.storage_pg import ConversationRow, Log, RetryBatchError
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
    row: StoredMessage | None = None


@dataclass(slots=True)
class StoredMessage:
    """A message row as the batch inserted it: its id, its workspace, account and conversation,
    its own columns in storage_pg.MESSAGE_INPUT order, then the ones a new row leaves at
    their defaults."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    platform_account_id: uuid.UUID
    conversation_id: uuid.UUID
    platform_message_id: str
    sender_id: str
    sender_name: str
    content: str
    kind: str
    attachments: list[dict[str, Any]]
    is_incoming: bool
    is_read: bool
    status: str
    reply_to: str | None
    payload: str | None
    source: str
    received_at: datetime
    is_deleted: bool = False
    error_code: int | None = None
    error_message: str | None = None
    reaction: str | None = None
    agent: str | None = None


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


Routed = tuple[
    list[_Pending], list[tuple[StoreItem, Event, PlatformAccount]], list[PlatformAccount]
]


async def _route(items: list[StoreItem], cache: AccountCache | None) -> Routed:
    """Each event to its account: messages, the other events, and the accounts used. What
    cannot be routed (a note, an ignored item, an oversized id, an unknown account) is
    recorded on its item's result instead."""
    screened: list[tuple[StoreItem, Event, str | None]] = []
    found: dict[tuple[str, str], PlatformAccount] = {}
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for event in sorted(item.events, key=_order):
            problem = None if isinstance(event, Ignored) else _oversized(event)
            screened.append((item, event, problem))
            if problem is not None or isinstance(event, Ignored) or not event.account_id:
                continue
            key = (item.platform, event.account_id)
            kept = cache.get(*key) if cache is not None else None
            if kept is not None:
                found[key] = kept
            else:
                wanted[item.platform].add(event.account_id)
    await _look_up(wanted, found, cache)
    messages: list[_Pending] = []
    others: list[tuple[StoreItem, Event, PlatformAccount]] = []
    missing: set[tuple[uuid.UUID, str]] = set()
    for item, event, problem in screened:
        result = item.result
        if isinstance(event, Note):
            result.notes.append(event.text)
        elif isinstance(event, Ignored):
            result.skipped.append(event.reason)
            result.skip_codes.append(event.code)
        elif problem is not None:
            result.skipped.append(problem)
            result.skip_codes.append("oversized")
        elif (account := found.get((item.platform, event.account_id))) is None:
            result.skip_codes.append("unknown_account")
            if (result.log_id, event.account_id) not in missing:  # said once per body
                missing.add((result.log_id, event.account_id))
                result.skipped.append(f"account {event.account_id} is not connected")
        elif isinstance(event, InboundMessage | Echo):
            messages.append(_Pending(item, event, account))
        else:
            others.append((item, event, account))
    return messages, others, list(found.values())


async def _look_up(
    wanted: dict[str, set[str]],
    found: dict[tuple[str, str], PlatformAccount],
    cache: AccountCache | None,
) -> None:
    """Read the wanted active accounts into `found` (and the cache)."""
    pg = _connection()
    for platform, ids in wanted.items():
        if pg is not None:  # one plain statement: the queryset's building showed in profiles
            rows = await storage_pg.active_accounts(pg, platform, sorted(ids))
        else:
            rows = await PlatformAccount.filter(
                platform=platform, external_id__in=sorted(ids), is_active=True
            )
        if cache is not None:
            cache.keep(rows)
        found.update({(platform, a.external_id): a for a in rows})


def _connection() -> BaseDBAsyncClient | None:
    """The current (transaction) connection when it is PostgreSQL, for the set-based path."""
    conn = connections.get("default")
    return conn if conn.capabilities.dialect == "postgres" else None


_SENT = str(DeliveryStatus.SENT)
_UNSUPPORTED = str(MessageKind.UNSUPPORTED)


def _message_row(p: _Pending) -> tuple[Any, ...]:
    """The message in MESSAGE_INPUT order: its conversation's key and name, then its columns."""
    event = p.event
    account = p.account
    if isinstance(event, InboundMessage):
        incoming = True
        participant, name = event.sender_id, (event.sender_name or "")[:200]
        sender_id, sender_name, status = participant, name, "received"
    else:
        incoming = False
        participant, name = event.recipient_id, ""
        sender_id, sender_name, status = account.external_id, account.name[:200], _SENT
    return (
        account.workspace_id,
        account.id,
        participant,
        name,
        event.message_id,
        sender_id,
        sender_name,
        event.text or "",
        str(event.kind),
        _attachments(event.attachments) if event.attachments else [],
        incoming,
        not incoming,
        status,
        (getattr(event, "reply_to", None) or "")[:255] or None,
        getattr(event, "payload", None),
        p.item.source,
        event.timestamp,
    )


def _settle(
    pending: list[_Pending],
    rows: list[tuple[Any, ...]],
    conversations: dict[tuple[Any, str], ConversationRow],
    inserted: dict[tuple[Any, str], uuid.UUID],
) -> tuple[list[_Pending], list[tuple[Any, ...]], list[_Pending]]:
    """Count each message as stored or a duplicate: the new ones with their rows, and the
    duplicates a replay may re-derive."""
    fresh: list[_Pending] = []
    fresh_rows: list[tuple[Any, ...]] = []
    again: list[_Pending] = []
    for p, row in zip(pending, rows, strict=True):
        made = inserted.pop((row[1], row[4]), None)
        if made is not None:  # the same mid twice in a batch counts once
            conversation = conversations[(row[1], row[2])]
            p.row = StoredMessage(made, row[0], row[1], conversation.id, *row[4:])
            p.item.result.stored += 1
            p.item.result.conversations.add(conversation.id)
            if row[8] == _UNSUPPORTED and isinstance(p.event, InboundMessage):
                p.item.result.unsupported.append(unsupported_kind(p.event.attachments) or "unknown")
            fresh.append(p)
            fresh_rows.append(row)
        else:
            p.item.result.duplicates += 1
            if p.item.replay and row[8] != _UNSUPPORTED:
                again.append(p)
    return fresh, fresh_rows, again


def _announce_new(
    fresh: list[_Pending], conversations: dict[tuple[Any, str], ConversationRow]
) -> None:
    """One new_message event per new message, with its conversation as the batch left it."""
    for p in fresh:
        assert p.row is not None
        conversation = conversations[(p.account.id, _participant(p.event)[0])]
        p.item.result.events.append(domain.NewMessage.of(p.row, conversation, p.item.platform))


async def _rederive(p: _Pending) -> None:
    """A message stored as unsupported that this version understands (a replay of its body)
    takes its content; the row keeps its ids, thread mapping, status and Slack post."""
    event = p.event
    await Message.filter(
        platform_account_id=p.account.id,
        platform_message_id=event.message_id,
        kind=_UNSUPPORTED,
        is_deleted=False,
    ).update(
        kind=str(event.kind),
        content=event.text or "",
        attachments=_attachments(event.attachments),
        payload=getattr(event, "payload", None),
    )


async def _apply_others(others: list[tuple[StoreItem, Event, PlatformAccount]]) -> None:
    for item, event, account in others:
        if isinstance(event, StatusUpdate):
            await update_status(item, account, event)
        elif isinstance(event, Reaction):
            await set_reaction(item, account, event)
        elif isinstance(event, MessageDeleted):
            await mark_deleted(item, account, event)
        elif isinstance(event, MessageEdited):
            await apply_edit(item, account, event)


async def store_batch(items: list[StoreItem], accounts: AccountCache | None = None) -> None:
    """Store the items' events and log rows, atomically.

    On PostgreSQL a batch of messages alone is one statement, and a batch with other events
    (statuses, reactions, edits, deletions) or a replay one transaction. A batch that an
    account changed under (switched off, renamed, moved), or whose new conversation a
    concurrent writer made first, keeps nothing and is stored again from fresh reads
    (twice at most). A message a concurrent writer stored first is a duplicate.
    """
    for attempt in range(3):
        try:
            await _store(items, accounts)
            return
        except RetryBatchError:
            if accounts is not None:
                accounts.clear()
            if attempt == 2:
                raise
            for item in items:
                item.__post_init__()  # a fresh result: the attempt kept nothing


async def _store(items: list[StoreItem], cache: AccountCache | None) -> None:
    pending, others, used = await _route(items, cache)
    rows = [_message_row(p) for p in pending]
    if _connection() is None:
        async with in_transaction():
            await _store_orm(items, used, pending, rows, others)
        return
    if others or any(item.replay for item in items):
        async with in_transaction():
            pg = _connection()
            assert pg is not None  # the transaction's
            await _store_pg(pg, pending, rows, used, [])
            await _apply_others(others)
            await storage_pg.insert_logs(pg, await _logs(items), datetime.now(UTC))
        return
    logs = await _logs(items)
    if rows or used or logs:
        pg = _connection()
        assert pg is not None
        await _store_pg(pg, pending, rows, used, logs)


async def _store_pg(
    pg: BaseDBAsyncClient,
    pending: list[_Pending],
    rows: list[tuple[Any, ...]],
    used: list[PlatformAccount],
    logs: list[Log],
) -> None:
    locked, inserted = await storage_pg.store_messages(pg, rows, used, logs, datetime.now(UTC))
    conversations = {(c.platform_account_id, c.participant_id): c for c in locked}
    fresh, _, again = _settle(pending, rows, conversations, inserted)
    _announce_new(fresh, conversations)
    for p in again:
        await _rederive(p)


async def _store_orm(
    items: list[StoreItem],
    used: list[PlatformAccount],
    pending: list[_Pending],
    rows: list[tuple[Any, ...]],
    others: list[tuple[StoreItem, Event, PlatformAccount]],
) -> None:
    conversations, inserted = await storage_orm.store_messages(rows) if rows else ({}, {})
    fresh, fresh_rows, again = _settle(pending, rows, conversations, inserted)
    changed = storage_orm.touch(fresh_rows, conversations)
    _announce_new(fresh, conversations)
    for p in again:
        await _rederive(p)
    await _apply_others(others)
    await storage_orm.finish(changed, used, await _logs(items), datetime.now(UTC))


async def _logs(items: list[StoreItem]) -> list[Log]:
    """New webhook_logs rows (id, platform, JSON text, error); a replay's own row is updated."""
    logs: list[Log] = []
    for item in items:
        result = item.result
        if result.skipped or result.notes:
            said = result.skipped + [f"note: {text}" for text in result.notes]
            error: str | None = "; ".join(said)[:4000] or None
        else:
            error = None
        if item.replay:
            await WebhookLog.filter(id=result.log_id).update(processed=True, error=error)
        elif item.log_text is not None:
            logs.append((result.log_id, item.platform, item.log_text, error))
        elif item.log_payload is not None:
            logs.append((result.log_id, item.platform, json.dumps(item.log_payload), error))
    return logs


__all__ = ["IngestResult", "StoreItem", "store_batch"]
