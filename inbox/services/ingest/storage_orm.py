"""The ORM path of the batch store (SQLite, the embedded default): the same steps as
storage_pg, one query each, inside the batch's transaction."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from inbox.models import Conversation, Message, PlatformAccount, WebhookLog
from inbox.services.ingest.storage_pg import MESSAGE_INPUT, ConversationRow, Log

_CONVERSATION_FIELDS = tuple(ConversationRow.__dataclass_fields__)
MESSAGE_COLUMNS = tuple(name for name, _ in MESSAGE_INPUT[4:])
Key = tuple[Any, str]


async def store_messages(
    rows: list[tuple[Any, ...]],
) -> tuple[dict[Key, ConversationRow], dict[Key, uuid.UUID]]:
    """Make and lock the rows' conversations, insert the new messages: the conversations by
    (account, participant), the new messages' ids by (account, platform message id)."""
    conversations = await _conversations(rows)
    return conversations, await _insert(rows, conversations)


async def _conversations(rows: list[tuple[Any, ...]]) -> dict[Key, ConversationRow]:
    first: dict[Key, tuple[Any, ...]] = {}
    for row in rows:
        first.setdefault((row[1], row[2]), row)
    await Conversation.bulk_create(
        [
            Conversation(
                id=uuid.uuid4(),
                workspace_id=row[0],
                platform_account_id=row[1],
                participant_id=row[2],
                participant_name=row[3],
            )
            for _, row in sorted(first.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
        ],
        ignore_conflicts=True,
    )
    found = await (
        Conversation.filter(
            platform_account_id__in=list({k[0] for k in first}),
            participant_id__in=list({k[1] for k in first}),
        )
        .order_by("id")
        .select_for_update()
    )
    return {
        (c.platform_account_id, c.participant_id): ConversationRow(
            *(getattr(c, name) for name in _CONVERSATION_FIELDS)
        )
        for c in found
        if (c.platform_account_id, c.participant_id) in first
    }


async def _insert(
    rows: list[tuple[Any, ...]], conversations: dict[Key, ConversationRow]
) -> dict[Key, uuid.UUID]:
    objs = sorted(
        (
            Message(
                id=uuid.uuid4(),
                workspace_id=row[0],
                platform_account_id=row[1],
                conversation_id=conversations[(row[1], row[2])].id,
                **dict(zip(MESSAGE_COLUMNS, row[4:], strict=True)),
            )
            for row in rows
        ),
        key=lambda m: (str(m.platform_account_id), m.platform_message_id),
    )
    await Message.bulk_create(objs, ignore_conflicts=True)
    ids = await Message.filter(id__in=[m.id for m in objs]).values_list("id", flat=True)
    kept = {uuid.UUID(str(i)) for i in ids}
    return {(m.platform_account_id, m.platform_message_id): m.id for m in objs if m.id in kept}


def touch(
    rows: list[tuple[Any, ...]], conversations: dict[Key, ConversationRow]
) -> list[ConversationRow]:
    """Move last_message_at / last_incoming_at forward, count unread, learn names: what the
    new message rows do to their conversations (storage_pg's statement does it in SQL).
    Returns the conversations changed."""
    changed: dict[uuid.UUID, ConversationRow] = {}
    for row in rows:
        c = conversations[(row[1], row[2])]
        at: datetime = row[-1]
        if c.last_message_at is None or c.last_message_at < at:
            c.last_message_at = at
        if row[10]:  # is_incoming
            if c.last_incoming_at is None or c.last_incoming_at < at:
                c.last_incoming_at = at
            c.unread_count += 1
            c.status = "open"  # a resolved conversation reopens when the customer writes again
        if row[3] and c.participant_name != row[3]:
            c.participant_name = row[3]
        changed[c.id] = c
    return list(changed.values())


async def finish(
    changed: list[ConversationRow], accounts: list[PlatformAccount], logs: list[Log], now: datetime
) -> None:
    """Write the conversations' counters, the accounts' last_webhook_at and the log rows."""
    for c in changed:
        await Conversation.filter(id=c.id).update(
            last_message_at=c.last_message_at,
            last_incoming_at=c.last_incoming_at,
            unread_count=c.unread_count,
            participant_name=c.participant_name,
            status=c.status,
        )
    if accounts:
        await PlatformAccount.filter(id__in=[a.id for a in accounts]).update(last_webhook_at=now)
    if logs:
        await WebhookLog.bulk_create(
            [
                WebhookLog(id=i, platform=p, payload=json.loads(b), processed=True, error=e)
                for i, p, b, e in logs
            ]
        )
