"""Background tasks: webhook log pruning and the broker choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskiq import InMemoryBroker
from taskiq_redis import RedisStreamBroker

from inbox.models import WebhookLog
from inbox.settings import Settings
from inbox.tasks.broker import build_broker
from inbox.tasks.maintenance import prune_webhook_logs
from tests.conftest import REDIS_URL


async def _log(*, processed: bool, age_days: int) -> WebhookLog:
    row = await WebhookLog.create(platform="messenger", payload={"n": 1}, processed=processed)
    created = datetime.now(UTC) - timedelta(days=age_days)
    await WebhookLog.filter(id=row.id).update(created_at=created)
    return row


async def test_prune_deletes_only_old_processed_logs(database: Settings) -> None:
    old_done = await _log(processed=True, age_days=40)
    new_done = await _log(processed=True, age_days=0)
    old_failed = await _log(processed=False, age_days=40)

    assert await prune_webhook_logs() == 1

    remaining = set(await WebhookLog.all().values_list("id", flat=True))
    assert remaining == {new_done.id, old_failed.id}
    assert old_done.id not in remaining


def test_prune_is_scheduled() -> None:
    assert prune_webhook_logs.labels["schedule"]
    assert all("cron" in entry for entry in prune_webhook_logs.labels["schedule"])


def test_broker_without_redis_is_in_memory() -> None:
    assert isinstance(build_broker(None), InMemoryBroker)


def test_broker_with_redis_uses_streams() -> None:
    assert isinstance(build_broker(REDIS_URL), RedisStreamBroker)
