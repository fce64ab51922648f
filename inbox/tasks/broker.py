"""The taskiq broker: Redis streams (acknowledged, redelivered) with REDIS_URL, else in-memory."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from taskiq import AsyncBroker, InMemoryBroker, TaskiqEvents, TaskiqState

from inbox.bus import redis_retry
from inbox.tasks.streams import ReclaimingStreamBroker

if TYPE_CHECKING:
    from inbox.bus import EventBus
    from inbox.settings import Settings

QUEUE_NAME = "cahts:tasks"
CONSUMER_GROUP = "cahts-workers"


def redelivery_ms() -> int:
    """How long a task may stay unacknowledged (worker died) before another worker takes it."""
    return int(float(os.environ.get("TASK_REDELIVERY_SECONDS", "120")) * 1000)


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


def _redis_url_from_env() -> str | None:
    from dotenv import load_dotenv

    load_dotenv(override=False)
    return (os.environ.get("REDIS_URL") or "").strip() or None


def attach_state(state: TaskiqState, settings: Settings, bus: EventBus) -> None:
    """Put what tasks need on the broker state: settings, bus, Graph and Slack clients, cipher."""
    from bot.slack.client import keepalive_session, slack_client
    from inbox.graph import GraphClient
    from inbox.services.accounts.crypto import TokenCipher

    state.settings = settings
    state.bus = bus
    state.graph = GraphClient(settings.meta_graph_url)
    state.cipher = TokenCipher(settings.token_encryption_keys)
    # None when Slack is not configured: Slack tasks and hooks then do nothing. With OAuth
    # installs only, its token is None: Slack work picks each workspace's own bot token.
    state.slack = (
        slack_client(settings, session=keepalive_session()) if settings.slack_enabled else None
    )


broker: AsyncBroker = build_broker(_redis_url_from_env())


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def _worker_startup(state: TaskiqState) -> None:
    """A worker process opens the database and the event bus once."""
    from inbox import db
    from inbox.bus import create_bus
    from inbox.schema import ensure_current
    from inbox.settings import load_settings

    if getattr(state, "settings", None) is not None:
        return  # in-process: the server already set the state up
    settings = load_settings()
    await db.connect(settings)
    await ensure_current()
    bus = create_bus(settings.redis_url)
    await bus.start()
    attach_state(state, settings, bus)
    state.owns_resources = True


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def _worker_shutdown(state: TaskiqState) -> None:
    """Release what the worker opened."""
    from inbox import db

    if getattr(state, "owns_resources", False):
        from bot.slack.client import close_client

        await close_client(state.slack)
        state.slack = None
        await state.graph.close()
        await state.bus.close()
        await db.close()
