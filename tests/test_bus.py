"""The event bus: in-process fan-out and Redis pub/sub across processes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from inbox.bus import QUEUE_SIZE, InProcessBus, RedisBus
from tests.conftest import REDIS_URL
from tests.helpers import raw_event


async def test_in_process_delivers_to_every_subscriber() -> None:
    bus = InProcessBus()
    await bus.start()
    first, second = bus.subscribe(), bus.subscribe()
    await bus.publish(raw_event({"type": "message.created", "n": 1}))
    assert first.queue.get_nowait() == {"type": "message.created", "n": 1}
    assert second.queue.get_nowait() == {"type": "message.created", "n": 1}
    await bus.close()


async def test_closed_subscription_gets_nothing() -> None:
    bus = InProcessBus()
    sub = bus.subscribe()
    sub.close()
    await bus.publish(raw_event({"type": "message.created"}))
    assert sub.queue.empty()
    await bus.close()


async def test_full_subscription_keeps_newest_and_counts_dropped() -> None:
    bus = InProcessBus()
    sub = bus.subscribe()
    total = QUEUE_SIZE + 5
    for n in range(total):
        await bus.publish(raw_event({"type": "tick", "n": n}))
    assert sub.dropped == 5
    kept = [sub.queue.get_nowait()["n"] for _ in range(sub.queue.qsize())]
    assert kept == list(range(5, total))
    await bus.close()


@pytest.fixture
def channel() -> str:
    """A channel of its own, so parallel runs do not cross."""
    return f"cahts:test:{uuid.uuid4().hex}"


@pytest.fixture
async def two_buses(channel: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two Redis buses on one channel, as two processes would have."""
    sender, receiver = RedisBus(REDIS_URL, channel), RedisBus(REDIS_URL, channel)
    await sender.start()
    await receiver.start()
    yield sender, receiver
    await sender.close()
    await receiver.close()


async def test_redis_event_crosses_buses(two_buses: tuple[RedisBus, RedisBus]) -> None:
    sender, receiver = two_buses
    sub = receiver.subscribe()
    await sender.publish(raw_event({"type": "message.created", "id": "m1"}))
    event = await asyncio.wait_for(sub.get(), timeout=2)
    assert event == {"type": "message.created", "id": "m1"}


async def test_redis_malformed_message_is_skipped(
    two_buses: tuple[RedisBus, RedisBus], channel: str
) -> None:
    _, receiver = two_buses
    sub = receiver.subscribe()
    raw = aioredis.from_url(REDIS_URL)
    try:
        await raw.publish(channel, b"{not json")
    finally:
        await raw.aclose()
    await receiver.publish(raw_event({"type": "after", "ok": True}))
    event = await asyncio.wait_for(sub.get(), timeout=2)
    assert event == {"type": "after", "ok": True}
    assert sub.queue.empty()


async def test_redis_publish_when_unreachable_does_not_raise() -> None:
    bus = RedisBus("redis://127.0.0.1:1")
    try:
        await bus.publish(raw_event({"type": "message.created"}))
    finally:
        await bus.close()
