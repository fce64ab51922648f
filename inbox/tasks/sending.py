"""Send tasks: deliver one outbox row with retries, and re-kick rows that fell out of flight."""

from __future__ import annotations

import asyncio
import logging
import uuid

from taskiq import Context, TaskiqDepends

from inbox.services.send import deliver, due_outbox, retry_delay
from inbox.tasks.broker import broker

log = logging.getLogger(__name__)


@broker.task(task_name="send_message")
async def send_message(outbox_id: str, context: Context = TaskiqDepends()) -> str:
    """Deliver one outbox row, backing off on transient errors until sent or failed."""
    state = context.state
    attempt = 0
    while True:
        attempt += 1
        outcome = await deliver(
            uuid.UUID(outbox_id), graph=state.graph, cipher=state.cipher, bus=state.bus
        )
        if outcome != "retry":
            return outcome
        await asyncio.sleep(retry_delay(attempt))


@broker.task(task_name="flush_outbox", schedule=[{"cron": "* * * * *"}])
async def flush_outbox() -> int:
    """Re-enqueue sends whose task was lost (broker down at enqueue, worker killed)."""
    due = await due_outbox()
    for outbox_id in due:
        await send_message.kiq(str(outbox_id))
    if due:
        log.info("re-enqueued %d send(s) from the outbox", len(due))
    return len(due)
