"""Group commit: concurrent bodies share transactions, stay exactly-once, and fail alone."""

from __future__ import annotations

import asyncio
import json

import pytest

from inbox.bus import InProcessBus
from inbox.models import Message, WebhookLog
from inbox.services.ingest.items import StoreItem
from inbox.services.ingest.pipeline import webhook_item
from inbox.services.ingest.writer import IngestWriter
from inbox.settings import Settings
from tests.factories import connect_fixture_accounts
from tests.helpers import load_fixture


def _body(n: int, sender: int) -> dict[str, object]:
    payload = load_fixture("messenger", "text")
    item = payload["entry"][0]["messaging"][0]
    item["message"]["mid"] = f"m_batch_{n}"
    item["sender"]["id"] = str(sender)
    return payload


@pytest.fixture
async def writer(database: Settings) -> IngestWriter:
    """A started writer over the fixture accounts."""
    await connect_fixture_accounts(database.token_encryption_keys[0])
    started = IngestWriter(InProcessBus())
    await started.start()
    yield started  # type: ignore[misc]
    await started.close()


async def test_concurrent_bodies_are_committed_together_and_exactly_once(
    writer: IngestWriter,
) -> None:
    items = [webhook_item("messenger", _body(n % 60, n % 7)) for n in range(120)]
    results = await asyncio.gather(*(writer.submit(i) for i in items))
    assert sum(r.stored for r in results) == 60
    assert sum(r.duplicates for r in results) == 60
    assert await Message.all().count() == 60
    assert await WebhookLog.all().count() == 120
    assert writer.batches < len(items), "nothing was grouped"


async def test_one_bad_body_does_not_fail_its_batch_mates(writer: IngestWriter) -> None:
    good = [webhook_item("messenger", _body(n, 1)) for n in range(5)]
    bad = StoreItem("messenger", [], log_payload={"unserializable": {1, 2}})
    outcomes = await asyncio.gather(
        *(writer.submit(i) for i in [*good[:2], bad, *good[2:]]), return_exceptions=True
    )
    assert isinstance(outcomes[2], Exception)
    assert all(not isinstance(o, Exception) for i, o in enumerate(outcomes) if i != 2)
    assert await Message.all().count() == 5
    assert await WebhookLog.all().count() == 5


async def test_close_finishes_what_is_queued(database: Settings) -> None:
    await connect_fixture_accounts(database.token_encryption_keys[0])
    writer = IngestWriter(None)
    await writer.start()
    pending = [
        asyncio.create_task(writer.submit(webhook_item("messenger", _body(n, n))))
        for n in range(20)
    ]
    await asyncio.sleep(0)
    await writer.close()
    assert all(t.done() for t in pending)
    assert await Message.all().count() == 20
    assert json.dumps([t.result().stored for t in pending]) == json.dumps([1] * 20)
