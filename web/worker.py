"""The worker's composition root: `cahts worker` runs taskiq on `web.worker:broker`.

Importing this module assembles the worker: every task module, the middlewares, and the
start-up that opens the database and the bus with the bot's hooks.
"""

from __future__ import annotations

import logging

from taskiq import TaskiqEvents, TaskiqState

from inbox import db
from inbox.bus import create_bus
from inbox.schema import ensure_current
from inbox.settings import load_settings
from inbox.tasks.broker import broker
from web.wiring import TASK_MODULES, attach_state, hooks_for, release_state, wire_broker

__all__ = ["TASK_MODULES", "broker"]

log = logging.getLogger(__name__)


async def startup(state: TaskiqState) -> None:
    """A worker process opens the database and the event bus once."""
    if getattr(state, "settings", None) is not None:
        return  # in-process: the server already set the state up
    settings = load_settings()
    await db.connect(settings)
    await ensure_current()
    bus = create_bus(settings.redis_url, hooks_for(settings))
    await bus.start()
    attach_state(state, settings, bus)
    state.owns_resources = True
    log.info("worker ready: taking tasks from the queue")


async def shutdown(state: TaskiqState) -> None:
    """Release what the worker opened."""
    if getattr(state, "owns_resources", False):
        await release_state(state)
        await state.bus.close()
        await db.close()


wire_broker(broker)
broker.add_event_handler(TaskiqEvents.WORKER_STARTUP, startup)
broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, shutdown)
