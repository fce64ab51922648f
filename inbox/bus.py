"""The event bus: domain events published after commit, in-process or over Redis pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

from inbox.events import Event, Wire
from inbox.hooks import Hooks

log = logging.getLogger(__name__)

CHANNEL = "cahts:events"
QUEUE_SIZE = 1000
INTERRUPTED = "events_interrupted"
RECONNECT_MAX_SECONDS = 2.0


class EventBus(Protocol):
    """Publishes domain events and hands them to every local subscriber.

    `hooks` are this process's own listeners, run after commit beside the publish; the
    composition root chooses them.
    """

    hooks: Hooks

    async def start(self) -> None:
        """Begin delivering events."""

    async def close(self) -> None:
        """Stop delivering events and release connections."""

    async def publish(self, event: Event) -> None:
        """Send one typed event to every subscriber, which receives its `wire()` dict."""

    def subscribe(self) -> Subscription:
        """A new subscription receiving every event published from now on."""


class Subscription:
    """One subscriber's bounded queue; a subscriber too slow to keep up loses its oldest events."""

    def __init__(self, hub: _LocalFanout, size: int = QUEUE_SIZE) -> None:
        self._hub = hub
        self.queue: asyncio.Queue[Wire] = asyncio.Queue(maxsize=size)
        self.dropped = 0
        self.interrupted = False  # the bus lost events meanwhile (Redis was away)

    def offer(self, event: Wire) -> None:
        """Queue an event without waiting, dropping the oldest when full."""
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self) -> Wire:
        """Wait for the next event."""
        return await self.queue.get()

    def close(self) -> None:
        """Stop receiving events."""
        self._hub.remove(self)

    async def __aiter__(self) -> AsyncIterator[Wire]:
        while True:
            yield await self.get()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LocalFanout:
    """Hands each event to every local subscription."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()

    def add(self) -> Subscription:
        sub = Subscription(self)
        self._subs.add(sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def deliver(self, event: Wire) -> None:
        for sub in list(self._subs):
            sub.offer(event)

    def interrupt(self) -> None:
        """Tell every subscriber that events were lost (and wake it with a marker event)."""
        for sub in list(self._subs):
            sub.interrupted = True
            sub.offer({"type": INTERRUPTED})


class InProcessBus:
    """The embedded default: events stay inside this process."""

    def __init__(self, hooks: Hooks | None = None) -> None:
        self.hooks = hooks if hooks is not None else Hooks()
        self._fanout = _LocalFanout()

    async def start(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Nothing to release."""

    async def publish(self, event: Event) -> None:
        """Deliver the event's wire dict to local subscribers at once."""
        self._fanout.deliver(event.wire())

    def subscribe(self) -> Subscription:
        """Subscribe to events published in this process."""
        return self._fanout.add()


class RedisBus:
    """Events cross processes over Redis pub/sub; each process fans out locally."""

    def __init__(self, url: str, channel: str = CHANNEL, hooks: Hooks | None = None) -> None:
        import redis.asyncio as aioredis

        self.hooks = hooks if hooks is not None else Hooks()
        self._redis = aioredis.from_url(url, retry=redis_retry())
        self._channel = channel
        self._fanout = _LocalFanout()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Start the listener that relays Redis messages to local subscribers."""
        self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def close(self) -> None:
        """Stop listening and close the Redis connection."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def publish(self, event: Event) -> None:
        """Publish the wire dict to every process; a Redis outage is logged, never raised."""
        try:
            await self._redis.publish(self._channel, json.dumps(event.wire(), default=str))
        except Exception as exc:  # the bus is a notification, the database stays the truth
            log.warning("event bus publish failed (%s): %s", event.type, exc)

    def subscribe(self) -> Subscription:
        """Subscribe to events published by any process."""
        return self._fanout.add()

    async def _listen(self) -> None:
        """Relay messages, reconnecting with backoff when Redis goes away.

        What was published while this process was not subscribed is lost, so once subscribed
        again every local subscriber is told (a socket then asks its client to resync).
        """
        delay = 0.5
        lost = False
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._ready.set()
                    delay = 0.5
                    if lost:
                        lost = False
                        log.info("event bus back on Redis; subscribers told to resync")
                        self._fanout.interrupt()
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        try:
                            event = json.loads(message["data"])
                        except (TypeError, ValueError):
                            log.warning("ignoring a malformed event on %s", self._channel)
                            continue
                        self._fanout.deliver(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                lost = True
                log.warning("event bus lost Redis (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)


def redis_retry() -> Any:
    """One immediate retry on a new connection: a pooled one may predate a Redis restart."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return Retry(NoBackoff(), 1)


def channel_for(redis_url: str) -> str:
    """The pub/sub channel of a deployment: pub/sub ignores the db number, so it is in the name."""
    from urllib.parse import urlsplit

    db = urlsplit(redis_url).path.strip("/") or "0"
    return f"{CHANNEL}:{db}"


def create_bus(redis_url: str | None, hooks: Hooks | None = None) -> EventBus:
    """Redis pub/sub when REDIS_URL is set, otherwise in-process; `hooks` run in this process."""
    if redis_url:
        return RedisBus(redis_url, channel_for(redis_url), hooks)
    return InProcessBus(hooks)
