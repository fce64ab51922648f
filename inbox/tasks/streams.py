"""A Redis stream broker that takes over a dead worker's tasks even when the queue is quiet."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger(__name__)

_RETRY_FIRST = 0.5
_RETRY_MAX = 5.0


class ReclaimingStreamBroker(RedisStreamBroker):
    """RedisStreamBroker whose listener claims idle unacknowledged tasks on every pass.

    taskiq-redis only runs XAUTOCLAIM after a read that returned new tasks, so a task left
    unacknowledged by a killed worker waits for the next new task to arrive. Here every
    pass (at most `xread_block` ms apart) also claims tasks idle for longer than
    `idle_timeout`; XAUTOCLAIM is atomic and resets the idle time, so one worker gets each.
    `stop_listening` ends the loop after the pass under way (at most one `xread_block`).
    """

    _stop_requested = False

    def stop_listening(self) -> None:
        """Take no more tasks: `listen` returns once the read under way has come back."""
        self._stop_requested = True

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Yield new tasks, then tasks a dead consumer left unacknowledged; outlive Redis outages.

        A lost connection is retried with backoff instead of ending the worker (which would
        abort the tasks it is running); a Redis that came back empty gets its group again.
        """
        delay = _RETRY_FIRST
        while not self._stop_requested:
            try:
                async with Redis(connection_pool=self.connection_pool) as conn:
                    while not self._stop_requested:
                        fetched = await conn.xreadgroup(
                            self.consumer_group_name,
                            self.consumer_name,
                            {self.queue_name: ">"},
                            block=self.block,
                            noack=False,
                            count=self.count,
                        )
                        delay = _RETRY_FIRST
                        for _stream, entries in cast("list[tuple[Any, Any]]", fetched or []):
                            for entry in self._ackable(entries):
                                yield entry
                        if self._stop_requested:
                            break  # a stopping worker takes over nobody's tasks
                        claimed = await conn.xautoclaim(
                            name=self.queue_name,
                            groupname=self.consumer_group_name,
                            consumername=self.consumer_name,
                            min_idle_time=self.idle_timeout,
                            count=self.unacknowledged_batch_size,
                        )
                        for entry in self._ackable(claimed[1] if claimed else []):
                            yield entry
            except (RedisConnectionError, RedisTimeoutError) as exc:
                log.warning("task queue: Redis unreachable (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                log.warning("task queue: the consumer group is gone (Redis restarted empty?)")
                await self._declare_consumer_group()

    def _ackable(self, entries: Any) -> list[AckableMessage]:
        found: list[AckableMessage] = []
        for msg_id, fields in entries or []:
            if not fields or b"data" not in fields:
                continue  # trimmed from the stream meanwhile
            found.append(
                AckableMessage(
                    data=fields[b"data"],
                    ack=self._ack_generator(id=msg_id, queue_name=self.queue_name),
                )
            )
        return found
