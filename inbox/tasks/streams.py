"""A Redis stream broker that takes over a dead worker's tasks even when the queue is quiet."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker


class ReclaimingStreamBroker(RedisStreamBroker):
    """RedisStreamBroker whose listener claims idle unacknowledged tasks on every pass.

    taskiq-redis only runs XAUTOCLAIM after a read that returned new tasks, so a task left
    unacknowledged by a killed worker waits for the next new task to arrive. Here every
    pass (at most `xread_block` ms apart) also claims tasks idle for longer than
    `idle_timeout`; XAUTOCLAIM is atomic and resets the idle time, so one worker gets each.
    """

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Yield new tasks, then tasks a dead consumer left unacknowledged."""
        async with Redis(connection_pool=self.connection_pool) as conn:
            while True:
                fetched = await conn.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                for _stream, entries in fetched or []:
                    for entry in self._ackable(entries):
                        yield entry
                claimed = await conn.xautoclaim(
                    name=self.queue_name,
                    groupname=self.consumer_group_name,
                    consumername=self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                for entry in self._ackable(claimed[1] if claimed else []):
                    yield entry

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
