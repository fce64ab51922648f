"""The one-statement batch on PostgreSQL: what it assumed when it began is checked at commit.

The writer keeps the accounts it routes with, and a batch counts its conversations' unread
messages from the rows it inserts. An account changed meanwhile, or a concurrent writer that
made the conversation or stored the message first, must never leave a wrong row or count.
The races are set up with a second connection holding an uncommitted write, released only
once the batch is seen waiting on its lock.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from inbox.bus import InProcessBus
from inbox.jsonbody import storable_text
from inbox.models import Conversation, Message, PlatformAccount, WebhookLog
from inbox.services.ingest.pipeline import scrub, webhook_item
from inbox.services.ingest.writer import IngestWriter
from inbox.settings import Settings
from tests.factories import connect_fixture_accounts, make_conversation
from tests.helpers import load_fixture

CUSTOMER = "4242"
_CONVERSATION = (
    "INSERT INTO conversations (id, workspace_id, platform_account_id, participant_id,"
    " participant_name, unread_count, status, created_at) VALUES ($1, $2, $3, $4, '', 0,"
    " 'open', now())"
)
_MESSAGE = (
    "INSERT INTO messages (id, workspace_id, platform_account_id, conversation_id,"
    " platform_message_id, sender_id, sender_name, content, kind, attachments, is_incoming,"
    " is_read, status, source, received_at, is_deleted, slack_posted, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, '', 'first', 'text', '[]', true, false, 'received',"
    " 'webhook', now(), false, false, now())"
)
_WAITING = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
)


def _text(mid: str, sender: str) -> dict[str, object]:
    payload = load_fixture("messenger", "text")
    item = payload["entry"][0]["messaging"][0]
    item["message"]["mid"] = mid
    item["sender"]["id"] = sender
    return payload


@pytest.fixture
async def writer(database: Settings) -> AsyncIterator[IngestWriter]:
    """A started writer over the fixture accounts."""
    await connect_fixture_accounts(database.token_encryption_keys[0])
    started = IngestWriter(InProcessBus())
    await started.start()
    yield started
    await started.close()


@pytest.fixture
async def other(database: Settings) -> AsyncIterator[asyncpg.Connection]:
    """A second connection: the concurrent writer."""
    conn = await asyncpg.connect(database.database_url)
    yield conn
    await conn.close()


async def _until_blocked(conn: asyncpg.Connection) -> None:
    """Wait until some other backend waits on a lock (the batch, on the other's write)."""
    for _ in range(2000):
        if await conn.fetchval(_WAITING):
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the batch never waited on the concurrent write")


async def _messenger() -> PlatformAccount:
    return await PlatformAccount.get(platform="messenger")


async def test_an_account_switched_off_after_the_writer_kept_it_stores_no_more(
    writer: IngestWriter,
) -> None:
    first = await writer.submit(webhook_item("messenger", _text("m_on", CUSTOMER)))
    await PlatformAccount.filter(platform="messenger").update(is_active=False)

    second = await writer.submit(webhook_item("messenger", _text("m_off", CUSTOMER)))

    assert (first.stored, second.stored) == (1, 0)
    assert second.skip_codes == ["unknown_account"]
    assert await Message.all().values_list("platform_message_id", flat=True) == ["m_on"]
    assert await WebhookLog.all().count() == 2  # the refused body is still logged
    unread = await Conversation.get(participant_id=CUSTOMER).values_list("unread_count", flat=True)
    assert unread == 1


async def test_an_account_renamed_after_the_writer_kept_it_signs_echoes_with_the_new_name(
    writer: IngestWriter,
) -> None:
    await writer.submit(webhook_item("messenger", _text("m_before", CUSTOMER)))
    await PlatformAccount.filter(platform="messenger").update(name="Renamed Shop")

    echo = load_fixture("messenger", "echo")
    result = await writer.submit(webhook_item("messenger", echo))

    assert result.stored == 1
    stored = await Message.get(is_incoming=False)
    assert stored.sender_name == "Renamed Shop"


async def test_a_conversation_a_concurrent_writer_made_first_gets_the_message(
    writer: IngestWriter, other: asyncpg.Connection
) -> None:
    account = await _messenger()
    made = uuid.uuid4()
    held = other.transaction()
    await held.start()
    await other.execute(_CONVERSATION, made, account.workspace_id, account.id, CUSTOMER)

    pending = asyncio.create_task(
        writer.submit(webhook_item("messenger", _text("m_race", CUSTOMER)))
    )
    await _until_blocked(other)
    await held.commit()
    result = await pending

    assert result.stored == 1
    conversation = await Conversation.get(participant_id=CUSTOMER)
    assert conversation.id == made
    assert conversation.unread_count == 1
    assert await Conversation.filter(participant_id=CUSTOMER).count() == 1
    assert (await Message.get(platform_message_id="m_race")).conversation_id == made


async def test_a_message_a_concurrent_writer_stored_first_is_a_duplicate_not_counted(
    writer: IngestWriter, other: asyncpg.Connection
) -> None:
    account = await _messenger()
    conversation = await make_conversation(account, CUSTOMER, unread=0)
    held = other.transaction()
    await held.start()
    await other.execute(
        _MESSAGE,
        uuid.uuid4(),
        account.workspace_id,
        account.id,
        conversation.id,
        "m_twice",
        CUSTOMER,
    )

    pending = asyncio.create_task(
        writer.submit(webhook_item("messenger", _text("m_twice", CUSTOMER)))
    )
    await _until_blocked(other)
    await held.commit()
    result = await pending

    assert (result.stored, result.duplicates) == (0, 1)
    assert (await Message.get(platform_message_id="m_twice")).content == "first"
    await conversation.refresh_from_db()
    assert conversation.unread_count == 0  # the other writer's message is its own to count


# (body, logged as it came): NUL and lone halves jsonb refuses; the rest go through scrubbing
# only where the check cannot be sure (an escaped backslash) or the text is not UTF-8.
RAW_BODIES = [
    (b'{"text": "plain"}', True),
    ('{"text": "caf\u00e9 \U0001f64f, raw UTF-8"}'.encode(), True),
    (b'{"text": "escaped \\u00e9 and a pair \\ud83d\\ude4f"}', True),
    (b'{"text": "a NUL \\u0000 here"}', False),
    (b'{"text": "a lone high half \\ud83d"}', False),
    (b'{"text": "a lone low half \\ude4f"}', False),
    (b'{"text": "halves apart \\ud83d x \\ude4f"}', False),
    (b'{"text": "an escaped backslash \\\\ud83d then \\ude4f"}', False),
    (b'\xef\xbb\xbf{"text": "behind a byte-order mark"}', False),
    ('{"text": "UTF-16"}'.encode("utf-16"), False),
]


@pytest.mark.parametrize(("raw", "as_it_came"), RAW_BODIES, ids=range(len(RAW_BODIES)))
async def test_a_body_is_logged_as_it_came_only_when_that_is_what_scrubbing_stores(
    raw: bytes, as_it_came: bool, other: asyncpg.Connection
) -> None:
    text = storable_text(raw)
    assert (text is not None) == as_it_came
    if text is not None:
        stored = await other.fetchval("SELECT $1::jsonb::text", text)
        assert json.loads(stored) == scrub(json.loads(raw))


@pytest.mark.parametrize("raw", [raw for raw, fast in RAW_BODIES[3:7]], ids=range(4))
async def test_the_bodies_kept_off_the_fast_path_are_ones_jsonb_refuses(
    raw: bytes, other: asyncpg.Connection
) -> None:
    with pytest.raises(asyncpg.PostgresError):
        await other.fetchval("SELECT $1::jsonb", raw.decode())
