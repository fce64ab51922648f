"""The embedded mode: with no Redis the same tasks run inside the server process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from taskiq import InMemoryBroker

from inbox.bus import InProcessBus
from inbox.models import Analytics, Message, PlatformAccount
from inbox.settings import Settings
from inbox.tasks.analytics import aggregate_daily_analytics
from inbox.tasks.broker import broker
from inbox.tasks.sync import request_sync, sync_all_platforms
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph, conversations_page
from web.wiring import attach_state

PAGE = "104578291736452"


@pytest.fixture
async def in_process(database: Settings) -> AsyncIterator[InProcessBus]:
    """The module broker in-memory, with the state the server gives it."""
    assert isinstance(broker, InMemoryBroker), "tests run without REDIS_URL"
    bus = InProcessBus()
    attach_state(broker.state, database, bus)
    await broker.startup()
    yield bus
    await broker.wait_all()
    await broker.shutdown()
    await broker.state.graph.close()


async def test_request_sync_runs_the_sync_task(
    in_process: InProcessBus, graph: FakeGraph, database: Settings
) -> None:
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    graph.serve_pages("/conversations", conversations_page(PAGE, "7349205816634201", "m_NOW"))
    with in_process.subscribe() as events:
        await request_sync(account.id)
        await broker.wait_all()
        types = [events.queue.get_nowait()["type"] for _ in range(events.queue.qsize())]
    assert types == ["sync_started", "new_message", "sync_completed"]
    assert (await Message.get()).platform_message_id == "m_NOW"
    assert (await PlatformAccount.get(id=account.id)).last_synced_at is not None


async def test_sync_all_queues_every_active_account_and_skips_unknown_ids(
    in_process: InProcessBus, graph: FakeGraph, database: Settings
) -> None:
    workspace = await make_workspace()
    key = database.token_encryption_keys[0]
    await make_account(workspace, "messenger", key=key)
    await make_account(workspace, "whatsapp", key=key)
    gone = await make_account(workspace, "instagram", key=key)
    await PlatformAccount.filter(id=gone.id).update(is_active=False)
    graph.serve_pages("/conversations", conversations_page(PAGE, "7349205816634201", "m_NOW"))

    queued = await (await sync_all_platforms.kiq()).wait_result(timeout=5)
    assert queued.return_value == 2
    await broker.wait_all()
    synced = await PlatformAccount.filter(last_synced_at__isnull=False).count()
    assert synced == 2
    assert await Message.all().count() == 1

    await request_sync("not-a-uuid")  # type: ignore[arg-type]
    await broker.wait_all()


async def test_the_analytics_task_aggregates_recent_days(
    in_process: InProcessBus, graph: FakeGraph, database: Settings
) -> None:
    workspace = await make_workspace()
    await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    graph.serve_pages("/conversations", conversations_page(PAGE, "7349205816634201", "m_NOW"))
    await request_sync((await PlatformAccount.get()).id)
    await broker.wait_all()
    result = await (await aggregate_daily_analytics.kiq()).wait_result(timeout=5)
    assert result.return_value == 1
    row = await Analytics.get()
    assert (row.platform, row.messages_in, row.new_conversations) == ("messenger", 1, 1)
