"""Exactly one scheduler sends: a Redis lease, a passive standby, and a takeover when it dies."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import redis.asyncio as aioredis
from taskiq import InMemoryBroker
from taskiq.message import BrokerMessage
from taskiq.scheduler.scheduled_task import ScheduledTask

from inbox.settings import ConfigError, Settings
from inbox.tasks.leader import LOCK_KEY, Leadership, lock_seconds
from inbox.tasks.scheduler import LeaderScheduler
from tests.conftest import REDIS_URL
from tests.tasks.conftest import Spawn, eventually, queued


def lease(key: str, ttl: float = 1.0) -> Leadership:
    """A leadership contender on a test key."""
    return Leadership(REDIS_URL, key=key, ttl=ttl)


@pytest.fixture
def key(redis_db: aioredis.Redis) -> str:
    """A fresh lease key in the test Redis db."""
    return f"cahts:workers:test-lease:{uuid.uuid4().hex}"


async def test_one_holds_the_lease_and_a_standby_takes_over_when_it_dies(
    key: str, redis_db: aioredis.Redis
) -> None:
    first, second = lease(key), lease(key)
    await first.start()
    await second.start()
    try:
        assert (first.active, second.active) == (True, False)
        assert await second.holder() == first.name
        await asyncio.sleep(1.2)  # past the lease length: renewals keep it
        assert (first.active, second.active) == (True, False)

        await first.stop(release=False)  # dies without a word
        assert not first.active
        await eventually(lambda: second.active, within=3, what="takeover")
        assert await redis_db.get(key) == second.name.encode()
    finally:
        await second.stop()
    assert await redis_db.get(key) is None  # released on a clean stop


async def test_a_clean_stop_hands_over_within_a_renewal_period(key: str) -> None:
    first, second = lease(key), lease(key)
    await first.start()
    await second.start()
    await first.stop()
    await eventually(lambda: second.active, within=1, what="handover")
    await second.stop()


async def test_a_lease_taken_by_another_is_given_up(key: str, redis_db: aioredis.Redis) -> None:
    first = lease(key, ttl=30)
    await first.start()
    assert first.active
    await redis_db.set(key, "someone-else")
    assert await first.step() is False
    assert not first.active
    await first.stop()
    assert await redis_db.get(key) == b"someone-else"  # not ours to release


class RecordingBroker(InMemoryBroker):
    """Keeps what the scheduler sends instead of running it."""

    def __init__(self) -> None:
        super().__init__()
        self.kicked: list[BrokerMessage] = []

    async def kick(self, message: BrokerMessage) -> None:
        """Record the message."""
        self.kicked.append(message)


async def test_only_the_active_scheduler_sends_and_labels_what_it_sends(
    redis_db: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_LOCK_SECONDS", "5")
    due = ScheduledTask(task_name="sync_all_platforms", labels={}, args=[], kwargs={}, interval=5)
    brokers = [RecordingBroker(), RecordingBroker()]
    schedulers = [LeaderScheduler(b, [], REDIS_URL) for b in brokers]
    for scheduler in schedulers:
        await scheduler.startup()
    try:
        for scheduler in schedulers:
            await scheduler.on_ready(source=_NoSource(), task=due)
        active, standby = brokers
        assert len(active.kicked) == 1 and standby.kicked == []
        assert schedulers[0].leadership is not None
        assert active.kicked[0].labels["scheduled_by"] == schedulers[0].leadership.name
    finally:
        for scheduler in schedulers:
            await scheduler.shutdown()
    assert await redis_db.get(LOCK_KEY) is None


class _NoSource:
    """A schedule source with nothing to do around a send."""

    def pre_send(self, task: Any) -> None:
        """Nothing."""

    def post_send(self, task: Any) -> None:
        """Nothing."""


def test_without_redis_the_embedded_scheduler_always_sends() -> None:
    assert LeaderScheduler(InMemoryBroker(), [], None).leadership is None


@pytest.mark.parametrize("raw", ["0", "abc", "99999"])
def test_a_bad_lease_length_is_refused_clearly(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_LOCK_SECONDS", raw)
    with pytest.raises(ConfigError, match="SCHEDULER_LOCK_SECONDS"):
        lock_seconds()


def _by(messages: list[dict[str, Any]], task: str) -> list[str]:
    return [m["labels"].get("scheduled_by", "") for m in messages if m["task_name"] == task]


async def test_two_scheduler_processes_one_sends_the_other_takes_over(
    database: Settings, spawn: Spawn, redis_db: aioredis.Redis
) -> None:
    first = await spawn("scheduler", SYNC_INTERVAL_SECONDS="1")

    async def sent_by(process: Any) -> bool:
        senders = _by(await queued(redis_db), "sync_all_platforms")
        return any(f":{process.pid}:" in s for s in senders)

    await eventually(lambda: sent_by(first), what="the first scheduler's sends")
    second = await spawn("scheduler", SYNC_INTERVAL_SECONDS="1")
    await eventually(
        lambda: "another scheduler is active" in second.output(),
        what="the second scheduler standing by",
    )
    await asyncio.sleep(2.5)
    senders = _by(await queued(redis_db), "sync_all_platforms")
    assert len(senders) >= 3
    assert all(f":{first.pid}:" in s for s in senders), senders

    await first.kill()
    await eventually(lambda: sent_by(second), within=10, what="the takeover")
    assert "is now the active one" in second.output()

    assert await second.stop() == 0
    assert await redis_db.get(LOCK_KEY) is None
