"""PostgreSQL path of the batch store: the whole batch in one statement, on asyncpg directly.

Building statements and model instances through the ORM, and six round trips per batch,
dominated the ingest profile. Here a batch is one prepared statement (`_STORE`) sent arrays
over unnest() and answering plain records; which messages were new comes from the insert's
RETURNING, never from a probe. Errors come out as Tortoise's, and what the batch assumed but
no longer holds at commit as RetryBatchError.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError

from inbox.models import PlatformAccount


class RetryBatchError(IntegrityError):
    """What the batch assumed when it began no longer held at its commit; nothing was kept."""


async def _fetch(client: BaseDBAsyncClient, sql: str, *args: Any) -> list[asyncpg.Record]:
    """One statement on the client's (transaction's) connection, errors as Tortoise's."""
    try:
        async with client.acquire_connection() as raw:
            rows: list[asyncpg.Record] = await raw.fetch(sql, *args)
            return rows
    except (asyncpg.SerializationError, asyncpg.ForeignKeyViolationError) as exc:
        raise RetryBatchError(str(exc)) from exc
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(exc) from exc
    except (asyncpg.SyntaxOrAccessError, asyncpg.DataError) as exc:
        raise OperationalError(exc) from exc


async def active_accounts(
    client: BaseDBAsyncClient, platform: str, external_ids: list[str]
) -> list[PlatformAccount]:
    """The active accounts of one platform with these external ids."""
    rows = await _fetch(
        client,
        "SELECT * FROM platform_accounts"
        " WHERE platform = $1 AND external_id = ANY($2::text[]) AND is_active",
        platform,
        external_ids,
    )
    return [PlatformAccount._init_from_db(**dict(row)) for row in rows]


@dataclass(slots=True)
class ConversationRow:
    """A conversation as the batch locked it: what the counters and the event need."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    platform_account_id: uuid.UUID
    participant_id: str
    participant_name: str
    last_message_at: datetime | None
    last_incoming_at: datetime | None
    unread_count: int
    slack_channel: str | None
    slack_thread_ts: str | None
    status: str
    assignee_id: uuid.UUID | None
    assignee_slack_user: str | None
    template_sent_at: datetime | None


_CONVERSATION_COLUMNS = ", ".join(f"c.{name}" for name in ConversationRow.__dataclass_fields__)

# A message's row as store_messages takes it: its conversation's key and first name, then
# the message's own columns.
MESSAGE_INPUT = (
    ("w", "uuid"),  # workspace
    ("a", "uuid"),  # platform account
    ("p", "text"),  # participant: the customer's platform id
    ("pn", "text"),  # the participant's name, for a conversation made now
    ("platform_message_id", "text"),
    ("sender_id", "text"),
    ("sender_name", "text"),
    ("content", "text"),
    ("kind", "text"),
    ("attachments", "text"),  # JSON text: the arrays stay text[], asyncpg encodes no JSON
    ("is_incoming", "bool"),
    ("is_read", "bool"),
    ("status", "text"),
    ("reply_to", "text"),
    ("payload", "text"),
    ("source", "text"),
    ("received_at", "timestamptz"),
)
ATTACHMENTS = [name for name, _ in MESSAGE_INPUT].index("attachments")
_V = ", ".join(name for name, _ in MESSAGE_INPUT)
_COLUMNS = ", ".join(name for name, _ in MESSAGE_INPUT[4:])
_VALUES = ", ".join(
    f"v.{name}::jsonb" if name == "attachments" else f"v.{name}" for name, _ in MESSAGE_INPUT[4:]
)
_UNNEST = ", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(MESSAGE_INPUT, start=1))
_N = len(MESSAGE_INPUT)
_ACCOUNTS, _WORKSPACES, _NAMES = f"${_N + 1}::uuid[]", f"${_N + 2}::uuid[]", f"${_N + 3}::text[]"
_LOGS = ", ".join(f"${_N + i}::{t}[]" for i, t in enumerate(("uuid", "text", "text", "text"), 4))


def _log_rows(arrays: str, now: str) -> str:
    """INSERT … SELECT of processed webhook_logs rows from (id, platform, JSON text, error)
    arrays."""
    return (
        "INSERT INTO webhook_logs (id, platform, payload, processed, error, created_at)"  # noqa: S608 (placeholders only)
        f" SELECT i, p, b::jsonb, true, e, {now} FROM unnest({arrays}) AS l(i, p, b, e)"
    )


_NOW = f"${_N + 8}::timestamptz"
_STORE = (
    # The accounts the batch was routed with still hold: read under the lock this takes.
    f"WITH acc AS (UPDATE platform_accounts SET last_webhook_at = {_NOW}"  # noqa: S608
    f" WHERE id = ANY({_ACCOUNTS}) AND is_active RETURNING id, workspace_id, name),"
    " fit AS (SELECT cahts_retry_unless(count(*) = cardinality("
    f"{_ACCOUNTS}), 'an account changed while its batch was stored') AS ok FROM acc"
    f" JOIN unnest({_ACCOUNTS}, {_WORKSPACES}, {_NAMES}) AS e(id, w, n)"
    " ON acc.id = e.id AND acc.workspace_id = e.w AND acc.name = e.n),"
    f" v AS (SELECT * FROM unnest({_UNNEST}) WITH ORDINALITY AS v({_V}, ord)),"
    # Each conversation's id: the stored one, or a new one for a conversation made below.
    " keys AS MATERIALIZED (SELECT k.w, k.a, k.p, coalesce(c.id, gen_random_uuid()) AS id"
    " FROM (SELECT DISTINCT w, a, p FROM v) AS k LEFT JOIN conversations c"
    " ON c.platform_account_id = k.a AND c.participant_id = k.p),"
    # Each message once: a platform message id already stored (or repeated) is a retry.
    f" ins AS (INSERT INTO messages (id, workspace_id, platform_account_id, conversation_id,"
    f" {_COLUMNS}, is_deleted, slack_posted, created_at)"
    f" SELECT gen_random_uuid(), v.w, v.a, keys.id, {_VALUES}, false, false, {_NOW}"
    " FROM v JOIN keys ON keys.a = v.a AND keys.p = v.p WHERE (SELECT ok FROM fit)"
    " ORDER BY v.a, v.platform_message_id, v.ord"
    " ON CONFLICT (platform_account_id, platform_message_id) DO NOTHING"
    " RETURNING id, conversation_id, platform_account_id, platform_message_id, is_incoming,"
    " received_at),"
    # What the new messages do to their conversation: times forward, unread counted, the
    # latest name the customer gave, and reopened when the customer wrote.
    " moved AS (SELECT ins.conversation_id AS id, max(ins.received_at) AS lm,"
    " max(ins.received_at) FILTER (WHERE ins.is_incoming) AS li,"
    " count(*) FILTER (WHERE ins.is_incoming) AS u,"
    " (array_agg(f.pn ORDER BY f.ord DESC) FILTER (WHERE f.pn <> ''))[1] AS n"
    " FROM ins JOIN (SELECT DISTINCT ON (a, platform_message_id) a, platform_message_id,"
    " pn, ord FROM v ORDER BY a, platform_message_id, ord) AS f"
    " ON f.a = ins.platform_account_id AND f.platform_message_id = ins.platform_message_id"
    " GROUP BY ins.conversation_id),"
    # One write per conversation, under its row lock: made, or moved on. A conversation a
    # concurrent writer made after this statement began conflicts here while the messages
    # point at the id made above: the foreign key then fails the statement, which is retried.
    " conv AS (INSERT INTO conversations AS c (id, workspace_id, platform_account_id,"
    " participant_id, participant_name, last_message_at, last_incoming_at, unread_count,"
    " status, created_at)"
    f" SELECT k.id, k.w, k.a, k.p, coalesce(m.n, ''), m.lm, m.li, m.u, 'open', {_NOW}"
    " FROM keys k JOIN moved m ON m.id = k.id ORDER BY k.a, k.p"
    " ON CONFLICT (platform_account_id, participant_id) DO UPDATE SET"
    " last_message_at = greatest(c.last_message_at, excluded.last_message_at),"
    " last_incoming_at = greatest(c.last_incoming_at, excluded.last_incoming_at),"
    " unread_count = c.unread_count + excluded.unread_count,"
    " status = CASE WHEN excluded.unread_count > 0 THEN 'open' ELSE c.status END,"
    " participant_name = CASE WHEN excluded.participant_name <> ''"
    " THEN excluded.participant_name ELSE c.participant_name END"
    f" RETURNING {_CONVERSATION_COLUMNS}),"
    f" logs AS ({_log_rows(_LOGS, _NOW)} WHERE (SELECT ok FROM fit) RETURNING 1)"
    " SELECT conv.*, new.mids, new.ids, (SELECT count(*) FROM logs) AS logged"
    " FROM conv JOIN (SELECT conversation_id, array_agg(platform_message_id) AS mids,"
    " array_agg(id) AS ids FROM ins GROUP BY conversation_id) AS new"
    " ON new.conversation_id = conv.id"
)
_EMPTY_LIST = json.dumps([])

Log = tuple[uuid.UUID, str, str, str | None]  # webhook_logs row: id, platform, JSON text, error


async def store_messages(
    client: BaseDBAsyncClient,
    rows: list[tuple[Any, ...]],
    accounts: list[PlatformAccount],
    logs: list[Log],
    now: datetime,
) -> tuple[list[ConversationRow], dict[tuple[uuid.UUID, str], uuid.UUID]]:
    """Store a batch's messages in one statement (RetryBatchError when it must be run again).

    `rows` are in MESSAGE_INPUT order. The statement makes and updates their conversations,
    inserts each message unless its (account, platform id) is stored already, writes the
    webhook_logs rows and the accounts' last_webhook_at, and checks that `accounts` still
    hold. Returns the conversations as they now are, and the ids of the messages that went
    in by (account, platform message id).
    """
    columns: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)] or [[]] * _N
    columns[ATTACHMENTS] = [json.dumps(a) if a else _EMPTY_LIST for a in columns[ATTACHMENTS]]
    account_columns = [[a.id for a in accounts], [a.workspace_id for a in accounts]]
    log_columns = [list(c) for c in zip(*logs, strict=True)] or [[]] * 4
    found = await _fetch(
        client, _STORE, *columns, *account_columns, [a.name for a in accounts], *log_columns, now
    )
    conversations: list[ConversationRow] = []
    inserted: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    for row in found:
        conversation = ConversationRow(*row[:-3])
        conversations.append(conversation)
        if row["ids"] is not None:
            account = conversation.platform_account_id
            for mid, made in zip(row["mids"], row["ids"], strict=True):
                inserted[(account, mid)] = made
    return conversations, inserted


_LOG_ROWS = _log_rows("$1::uuid[], $2::text[], $3::text[], $4::text[]", "$5")


async def insert_logs(client: BaseDBAsyncClient, logs: list[Log], now: datetime) -> None:
    """Write processed webhook_logs rows."""
    if logs:
        await _fetch(client, _LOG_ROWS, *[list(c) for c in zip(*logs, strict=True)], now)
