"""The taskiq broker: Redis streams (acknowledged, redelivered) with REDIS_URL, else in-memory.

Tasks register on it where they are declared (taskiq's way); what runs around them (state,
middlewares, start-up) is decided by the process roots in web/.
"""

from __future__ import annotations

from taskiq import AsyncBroker, InMemoryBroker

from inbox.bus import redis_retry
from inbox.settings import redis_url_from_env, tunable
from inbox.tasks.streams import ReclaimingStreamBroker

QUEUE_NAME = "cahts:tasks"
CONSUMER_GROUP = "cahts-workers"


def redelivery_ms() -> int:
    """How long a task may stay unacknowledged (worker died) before another worker takes it."""
    return int(tunable("TASK_REDELIVERY_SECONDS") * 1000)


def build_broker(redis_url: str | None) -> AsyncBroker:
    """Redis stream broker when a URL is given, in-memory otherwise."""
    if not redis_url:
        return InMemoryBroker()
    return ReclaimingStreamBroker(
        url=redis_url,
        queue_name=QUEUE_NAME,
        consumer_group_name=CONSUMER_GROUP,
        consumer_id="0",
        idle_timeout=redelivery_ms(),
        retry=redis_retry(),
    )


broker: AsyncBroker = build_broker(redis_url_from_env())
