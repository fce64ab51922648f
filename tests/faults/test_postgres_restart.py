"""PostgreSQL stopped under the server mid-ingest (an administrator's restart, then a crash)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox import db
from inbox.models import Message, WebhookLog
from inbox.services.ingest.items import IngestResult, StoreItem
from inbox.services.ingest.pipeline import webhook_item
from inbox.services.ingest.writer import IngestWriter
from inbox.settings import Settings
from tests.factories import connect_fixture_accounts
from tests.faults.ingest_faults import postgres_restart_run
from tests.faults.services import PrivatePostgres
from tests.helpers import (
    load_fixture,
    lose_connection_at_next_begin,
    lose_connection_at_next_statement,
)


async def test_a_postgres_restart_gets_503s_then_the_server_recovers_by_itself(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    run = await postgres_restart_run(
        private_postgres,
        "cahts_faults",
        tmp_path,
        messages=1200,
        outages=(("fast", 2.0), ("immediate", 2.0)),
    )
    print(run.report("PostgreSQL restarted twice mid-ingest"))

    for during in run.during_outages:
        assert during["503"] > 0, "no request saw the outage"
        assert set(during) <= {"503", "200"}, f"not a 503 while down: {dict(during)}"
    assert "500" not in run.outcomes
    assert run.figures["outage 1: /readyz while down"] == 503
    assert run.figures["outage 2: /readyz while down"] == 503
    assert run.figures["outage 1: GET /api/conversations while down"] == 503
    assert run.figures["outage 2: GET /api/conversations while down"] == 503
    assert run.figures["GET /api/conversations after"] == 200
    assert run.figures["server process restarts"] == 0
    assert run.figures["server still running"] == "True"
    assert run.figures["/readyz after"] == 200
    assert all(took is not None for took in run.recoveries), "the server did not recover"
    ledger = run.ledger
    assert ledger.acknowledged == ledger.sent == 1200
    assert ledger.lost == set() and ledger.missing == set() and ledger.unexpected == set()
    assert ledger.duplicated == 0
    assert ledger.unread_mismatches == 0


async def _lost_then_stored(database: Settings, first: StoreItem, then: StoreItem) -> IngestResult:
    """A started writer whose first item meets the lost connection (an "unavailable" error,
    nothing written); what it answers for the item after."""
    await connect_fixture_accounts(database.token_encryption_keys[0])
    writer = IngestWriter(None)
    await writer.start()
    try:
        with pytest.raises(db.UNAVAILABLE):
            await writer.submit(first)
        assert await Message.all().count() == 0
        return await writer.submit(then)
    finally:
        await writer.close()


async def test_a_connection_lost_as_a_batch_begins_does_not_poison_the_commit_loop(
    database: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the restart above hits now and then, made certain: the server goes away just as
    # a batch sends BEGIN (a batch with a receipt in it is a transaction). Tortoise then
    # leaves that transaction set in the context of the task that opened it; the commit
    # loop must not be that task, or every later batch reuses the dead connection.
    lost = lose_connection_at_next_begin(monkeypatch)
    result = await _lost_then_stored(
        database,
        webhook_item("messenger", load_fixture("messenger", "read")),
        webhook_item("whatsapp", load_fixture("whatsapp", "text")),
    )
    assert lost == [True]
    assert result.stored == 1
    assert await Message.all().count() == 1


async def test_a_connection_lost_as_a_one_statement_batch_is_sent_is_a_retry_not_a_loss(
    database: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch of messages alone is one statement with no transaction around it: the server
    # going away as it is sent must fail that batch whole (the platform retries it), and the
    # next batch must find a live connection.
    lost = lose_connection_at_next_statement(monkeypatch, "WITH acc AS")
    body = load_fixture("messenger", "text")
    again = await _lost_then_stored(
        database, webhook_item("messenger", body), webhook_item("messenger", body)
    )
    assert lost == [True]
    assert again.stored == 1
    assert await Message.all().count() == 1
    assert await WebhookLog.all().count() == 1
