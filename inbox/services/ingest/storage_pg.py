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

from inbox.models import Conversation


async def upsert_conversations(
    conn: BaseDBAsyncClient, rows: list[tuple[uuid.UUID, uuid.UUID, str, str]], now: datetime
) -> list[Conversation]:
    """Create missing (workspace, account, participant, name) conversations; lock and return all."""
    workspaces = [r[0] for r in rows]
    accounts = [r[1] for r in rows]
    participants = [r[2] for r in rows]
    names = [r[3] for r in rows]
    await conn.execute_query(
        "INSERT INTO conversations (id, workspace_id, platform_account_id, participant_id,"
        " participant_name, unread_count, status, created_at)"
        " SELECT gen_random_uuid(), w, a, p, n, 0, 'open', $5"
        " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS v(w, a, p, n)"
        " ORDER BY a, p ON CONFLICT (platform_account_id, participant_id) DO NOTHING",
        [workspaces, accounts, participants, names, now],
    )
    _, found = await conn.execute_query(
        "SELECT c.* FROM conversations c"
        " WHERE (c.platform_account_id, c.participant_id) IN"
        " (SELECT a, p FROM unnest($1::uuid[], $2::text[]) AS v(a, p))"
        " ORDER BY c.id FOR UPDATE",
        [accounts, participants],
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
            arrays.append([json.dumps(r[name]) for r in rows])
        else:
            arrays.append([r[name] for r in rows])
    _, inserted = await conn.execute_query(_INSERT_MESSAGES, [*arrays, now])
    return [dict(row) for row in inserted]


async def update_conversations(conn: BaseDBAsyncClient, conversations: list[Conversation]) -> None:
    """Write the new last times, unread counts, names and statuses of locked conversations."""
    await conn.execute_query(
        "UPDATE conversations c SET last_message_at = v.lm, last_incoming_at = v.li,"
        " unread_count = v.u, participant_name = v.n, status = v.s"
        " FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[], $5::text[],"
        " $6::text[]) AS v(id, lm, li, u, n, s) WHERE c.id = v.id",
        [
            [c.id for c in conversations],
            [c.last_message_at for c in conversations],
            [c.last_incoming_at for c in conversations],
            [c.unread_count for c in conversations],
            [c.participant_name for c in conversations],
            [c.status for c in conversations],
        ],
    )


async def insert_logs(
    conn: BaseDBAsyncClient, rows: list[tuple[uuid.UUID, str, Any, str | None]], now: datetime
) -> None:
    """Insert processed webhook_logs rows (id, platform, payload, error)."""
    await conn.execute_query(
        "INSERT INTO webhook_logs (id, platform, payload, processed, error, created_at)"
        " SELECT i, p, b::jsonb, true, e, $5"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS v(i, p, b, e)",
        [
            [r[0] for r in rows],
            [r[1] for r in rows],
            [json.dumps(r[2]) for r in rows],
            [r[3] for r in rows],
            now,
        ],
    )
