"""Exactly one active scheduler: a Redis lease that a standby takes over when it lapses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, LockNotOwnedError, RedisError

from inbox.settings import ConfigError, option, tunable

log = logging.getLogger(__name__)

LOCK_KEY = "cahts:scheduler:leader"
# A lease is trusted for this share of its length: room for clock drift and a slow Redis.
_TRUST = 0.8


def lock_seconds() -> float:
    """Length of the scheduler lease (SCHEDULER_LOCK_SECONDS, default 30)."""
    raw = option("SCHEDULER_LOCK_SECONDS") or "30"
    try:
        value = tunable("SCHEDULER_LOCK_SECONDS")
    except ConfigError:
        value = 0.0
    if not 1 <= value <= 3600:
        raise ConfigError(f"SCHEDULER_LOCK_SECONDS must be between 1 and 3600, not {raw!r}")
    return value


def identity() -> str:
    """Who holds the lease, as shown to the other schedulers: host, pid and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leadership:
    """Takes, renews and releases the scheduler lease; `active` is True only while it holds."""

    def __init__(self, redis_url: str, *, key: str = LOCK_KEY, ttl: float | None = None) -> None:
        self.ttl = ttl if ttl is not None else lock_seconds()
        self.name = identity()
        self.key = key
        self._redis = aioredis.from_url(redis_url, socket_timeout=max(1.0, self.ttl / 3))
        self._lock = Lock(self._redis, key, timeout=self.ttl, thread_local=False)
        self._valid_until = 0.0
        self._standing_by = False
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """True while this process holds a lease it renewed recently enough to trust."""
        return time.monotonic() < self._valid_until

    async def holder(self) -> str | None:
        """The name of the scheduler holding the lease, if any."""
        value = await self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    async def step(self) -> bool:
        """One round: renew the lease held, or try to take a free one. Returns `active`."""
        started = time.monotonic()
        try:
            if await self._lock.owned():
                await self._lock.reacquire()
                taken = True
            else:
                taken = await self._lock.acquire(blocking=False, token=self.name)
        except LockNotOwnedError:
            taken = False
        except (RedisError, LockError, OSError) as exc:
            log.warning("scheduler lease: Redis did not answer (%s)", exc)
            return self.active  # an unconfirmed lease simply runs out
        if taken:
            if not self.active:
                log.info("this scheduler (%s) is now the active one", self.name)
            self._valid_until = started + self.ttl * _TRUST
            self._standing_by = False
        else:
            was_active = self.active
            self._valid_until = 0.0
            await self._announce_standby(lost=was_active)
        return self.active

    async def _announce_standby(self, *, lost: bool) -> None:
        if self._standing_by and not lost:
            return
        self._standing_by = True
        try:
            holder = await self.holder() or "unknown"
        except (RedisError, OSError):
            holder = "unknown"
        what = "lost the scheduler lease" if lost else "another scheduler is active"
        log.warning(
            "%s (held by %s); this one (%s) stands by and takes over within %.0f s if it stops",
            what,
            holder,
            self.name,
            self.ttl + self.ttl / 3,
        )

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await self.step()

    async def start(self) -> None:
        """Take the lease if free (or say who has it), then keep renewing or watching."""
        await self.step()
        self._task = asyncio.create_task(self._keep(), name="scheduler-lease")

    async def stop(self, *, release: bool = True) -> None:
        """Stop renewing; release the lease so a standby takes over at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if release and self.active:
            with contextlib.suppress(RedisError, LockError, OSError):
                await self._lock.release()
        self._valid_until = 0.0
        await self._redis.aclose()
