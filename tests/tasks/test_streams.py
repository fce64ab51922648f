"""The stream broker takes a dead consumer's unacknowledged task even when nothing new arrives."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from taskiq.message import BrokerMessage

from inbox.tasks.streams import ReclaimingStreamBroker
from tests.conftest import REDIS_URL

QUEUE = "cahts:workers:test-stream"


def broker(name: str) -> ReclaimingStreamBroker:
    """A consumer of the test stream that reclaims after 300 ms of idleness."""
    return ReclaimingStreamBroker(
        url=REDIS_URL,
        queue_name=QUEUE,
        consumer_group_name="test-group",
        consumer_name=name,
        consumer_id="0",
        idle_timeout=300,
        xread_block=100,
    )


def message(task_id: str) -> BrokerMessage:
    """A task message as taskiq puts it on the stream."""
    return BrokerMessage(task_id=task_id, task_name="t", message=task_id.encode(), labels={})


async def test_a_dead_consumers_task_is_reclaimed_on_a_quiet_queue(
    redis_db: aioredis.Redis,
) -> None:
    dead, alive = broker("dead"), broker("alive")
    await dead.startup()
    await alive.startup()
    try:
        await dead.kick(message("task-1"))
        taken = await anext(dead.listen())  # received, never acknowledged: the worker "dies"
        assert taken.data == b"task-1"

        listener = alive.listen()
        again = await asyncio.wait_for(anext(listener), timeout=5)
        assert again.data == b"task-1"
        await again.ack()  # type: ignore[misc]
        pending = await redis_db.xpending(QUEUE, "test-group")
        assert pending["pending"] == 0

        await alive.kick(message("task-2"))
        fresh = await asyncio.wait_for(anext(listener), timeout=5)
        assert fresh.data == b"task-2"
        await listener.aclose()
    finally:
        await dead.shutdown()
        await alive.shutdown()
