"""Send tasks: deliver one outbox row with retries, and re-kick rows that fell out of flight."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence

from taskiq import Context, TaskiqDepends

from inbox.models import Message, Outbox
from inbox.services.sending.outbox import MAX_ATTEMPTS, deliver, due_outbox, next_in_line, send_wait
from inbox.tasks.broker import broker

log = logging.getLogger(__name__)

# Each round is one attempt or one wait for a backoff or a lease; attempts are capped in the row.
_MAX_ROUNDS = 2 * MAX_ATTEMPTS + 2
# How often a task waiting on a row another attempt holds looks whether it is done.
_HELD_POLL_SECONDS = 0.25


@broker.task(task_name="send_message")
async def send_message(outbox_id: str, context: Context = TaskiqDepends()) -> str:
    """Deliver one outbox row: back off on transient errors, take over a dead attempt's lease.

    Several copies of this task for one row (a redelivery, a flush_outbox kick) are safe:
    the row is claimed atomically per attempt, so the Graph API sees one attempt at a time.
    """
    try:
        row = uuid.UUID(outbox_id)
    except (ValueError, TypeError, AttributeError):
        log.warning("send_message: %r is not an outbox id", outbox_id)
        return "skip"
    state = context.state
    outcome = "skip"
    for _ in range(_MAX_ROUNDS):
        outcome = await deliver(row, graph=state.graph, cipher=state.cipher, bus=state.bus)
        if outcome == "blocked":
            return outcome  # the earlier send resumes this one when it finishes
        if outcome in ("sent", "failed"):
            following = await next_in_line(row)
            if following is not None:
                await send_message.kiq(str(following))
            return outcome
        wait = await send_wait(row)
        if wait is None:
            # Finished by an attempt that died before resuming the next send (its task came
            # back after a worker was killed): resume it here, or it waits for flush_outbox.
            following = await next_in_line(row)
            if following is not None and await Outbox.exists(id=following, status="pending"):
                await send_message.kiq(str(following))
            return outcome
        await _pause(row, wait)
    return outcome


async def _pause(row: uuid.UUID, wait: float) -> None:
    """Wait out a backoff, or a lease another attempt holds (ending early when it finishes).

    Two tasks for one row are normal (a redelivery, the next send kicked by the previous one):
    the one that finds the row claimed must not sleep the whole lease when the attempt that
    claimed it is done in milliseconds.
    """
    if not await Outbox.exists(id=row, status="sending"):
        # `wait` may be a lease read just before its holder finished: read the row again.
        fresh = await send_wait(row)
        if fresh is not None:
            await asyncio.sleep(min(wait, fresh) + 0.05)
        return
    deadline = time.monotonic() + wait + 0.05
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, _HELD_POLL_SECONDS))
        if not await Outbox.exists(id=row, status="sending"):
            return


async def enqueue_sends(messages: Sequence[Message]) -> None:
    """Hand the outbox rows to the task queue; a failure here is healed by flush_outbox."""
    for message in messages:
        outbox_id = await Outbox.filter(message_id=message.id).values_list("id", flat=True)
        for oid in outbox_id:
            try:
                await send_message.kiq(str(oid))
            except Exception as exc:  # broker down: the row stays pending for flush_outbox
                log.warning("could not enqueue send %s (%s); flush_outbox will retry", oid, exc)


@broker.task(task_name="flush_outbox", schedule=[{"cron": "* * * * *"}])
async def flush_outbox() -> int:
    """Re-enqueue sends whose task was lost (broker down at enqueue, worker killed)."""
    due = await due_outbox()
    for outbox_id in due:
        await send_message.kiq(str(outbox_id))
    if due:
        log.info("re-enqueued %d send(s) from the outbox", len(due))
    return len(due)
