"""PostgreSQL fast path of the batch store: the same statements as set-based SQL over unnest().

The ORM path (storage.py) builds one statement per step too, but building large bulk
statements in Python dominated the ingest profile; these send arrays instead, and learn
which messages were new from INSERT … RETURNING rather than a second query.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from inbox.models import Conversation, PlatformAccount


async def active_accounts(
    conn: BaseDBAsyncClient, platform: str, external_ids: list[str]
) -> list[PlatformAccount]:
    """The active accounts of one platform with these external ids."""
    _, rows = await conn.execute_query(
        "SELECT * FROM platform_accounts"
        " WHERE platform = $1 AND external_id = ANY($2::text[]) AND is_active",
        [platform, external_ids],
    )
    return [PlatformAccount._init_from_db(**dict(row)) for row in rows]


# Wrapped in WITH: Tortoise's execute_query returns no rows for a statement starting INSERT.
_UPSERT_CONVERSATIONS = (
    "WITH up AS (INSERT INTO conversations AS c (id, workspace_id, platform_account_id,"
    " participant_id, participant_name, unread_count, status, created_at)"
    " SELECT gen_random_uuid(), w, a, p, n, 0, 'open', $5"
    " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS v(w, a, p, n)"
    " ORDER BY a, p"
    # A no-op update, so the row comes back (and is locked) whether it was made now, existed,
    # or was made by a concurrent writer after this statement began.
    " ON CONFLICT (platform_account_id, participant_id)"
    " DO UPDATE SET participant_id = c.participant_id RETURNING c.*) SELECT * FROM up"
)


async def upsert_conversations(
    conn: BaseDBAsyncClient, rows: list[tuple[uuid.UUID, uuid.UUID, str, str]], now: datetime
) -> list[Conversation]:
    """Create missing (workspace, account, participant, name) conversations; lock and return all.

    One statement: rows are locked in (account, participant) order, the same in every writer.
    """
    _, found = await conn.execute_query(
        _UPSERT_CONVERSATIONS,
        [
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            [r[3] for r in rows],
            now,
        ],
    )
    return [Conversation._init_from_db(**dict(row)) for row in found]


_MESSAGE_COLUMNS = {
    "workspace_id": "uuid",
    "platform_account_id": "uuid",
    "conversation_id": "uuid",
    "platform_message_id": "text",
    "sender_id": "text",
    "sender_name": "text",
    "content": "text",
    "kind": "text",
    "attachments": "text",
    "is_incoming": "bool",
    "is_read": "bool",
    "status": "text",
    "reply_to": "text",
    "payload": "text",
    "source": "text",
    "received_at": "timestamptz",
}
_NAMES = ", ".join(_MESSAGE_COLUMNS)
_EMPTY_LIST = json.dumps([])
_UNNEST = ", ".join(f"${i}::{t}[]" for i, t in enumerate(_MESSAGE_COLUMNS.values(), start=1))
_SELECT = ", ".join("attachments::jsonb" if n == "attachments" else n for n in _MESSAGE_COLUMNS)
_INSERT_MESSAGES = (
    f"WITH ins AS (INSERT INTO messages (id, {_NAMES}, is_deleted, slack_posted, created_at)"  # noqa: S608
    f" SELECT gen_random_uuid(), {_SELECT}, false, false, ${len(_MESSAGE_COLUMNS) + 1}"
    f" FROM unnest({_UNNEST}) AS v({_NAMES})"
    " ORDER BY platform_account_id, platform_message_id"
    " ON CONFLICT (platform_account_id, platform_message_id) DO NOTHING RETURNING *)"
    " SELECT * FROM ins"
)


async def insert_messages(
    conn: BaseDBAsyncClient, rows: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Insert messages unless (account, platform id) exists; the stored rows that were new."""
    arrays: list[Any] = []
    for name in _MESSAGE_COLUMNS:
        if name == "attachments":
            arrays.append([json.dumps(r[name]) if r[name] else _EMPTY_LIST for r in rows])
        else:
            arrays.append([r[name] for r in rows])
    _, inserted = await conn.execute_query(_INSERT_MESSAGES, [*arrays, now])
    return [dict(row) for row in inserted]


_FINISH = (
    "WITH conv AS (UPDATE conversations c SET last_message_at = v.lm, last_incoming_at = v.li,"
    " unread_count = v.u, participant_name = v.n, status = v.s"
    " FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::text[],"
    " $6::text[]) AS v(id, lm, li, u, n, s) WHERE c.id = v.id RETURNING 1),"
    " acc AS (UPDATE platform_accounts SET last_webhook_at = $11 WHERE id = ANY($7::uuid[])"
    " RETURNING 1),"
    " logs AS (INSERT INTO webhook_logs (id, platform, payload, processed, error, created_at)"
    " SELECT i, p, b::jsonb, true, e, $11"
    " FROM unnest($8::uuid[], $9::text[], $10::text[], $12::text[]) AS l(i, p, b, e) RETURNING 1)"
    " SELECT (SELECT count(*) FROM conv), (SELECT count(*) FROM acc), (SELECT count(*) FROM logs)"
)


async def finish_batch(
    conn: BaseDBAsyncClient,
    conversations: list[Conversation],
    account_ids: list[uuid.UUID],
    logs: list[tuple[uuid.UUID, str, Any, str | None]],
    now: datetime,
) -> None:
    """One statement for the batch's tail: conversations' new counters and times, the accounts'
    last_webhook_at, and the processed webhook_logs rows (id, platform, payload, error)."""
    await conn.execute_query(
        _FINISH,
        [
            [c.id for c in conversations],
            [c.last_message_at for c in conversations],
            [c.last_incoming_at for c in conversations],
            [c.unread_count for c in conversations],
            [c.participant_name for c in conversations],
            [c.status for c in conversations],
            account_ids,
            [r[0] for r in logs],
            [r[1] for r in logs],
            [json.dumps(r[2]) for r in logs],
            now,
            [r[3] for r in logs],
        ],
    )
