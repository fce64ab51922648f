"""The server's composition root: one aiohttp application with bridge, bot and web mounted.

It alone decides what the server runs: the bus with the bot's hooks, the ingest writer, the
task broker as a client (and, embedded, its tasks and schedule), and every route.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot import mount as slack
from bridge import webhooks
from inbox import db, schema
from inbox.appkeys import BUS, SETTINGS, WRITER
from inbox.bus import create_bus
from inbox.cli.common import new_database_notice
from inbox.services.ingest.writer import IngestWriter
from inbox.settings import Settings
from inbox.tasks.broker import broker
from inbox.tasks.scheduler import LeaderScheduler
from web import api, bodies, dashboard, health, metrics, startup
from web import ws as websockets
from web.middleware import edge_middleware
from web.wiring import attach_state, build_scheduler, hooks_for, release_state, wire_broker

log = logging.getLogger(__name__)


async def _database(app: web.Application) -> AsyncIterator[None]:
    """Open the database; SQLite migrates itself, PostgreSQL must already be current."""
    settings = app[SETTINGS]
    if settings.is_sqlite:
        for line in new_database_notice(settings):
            log.warning("%s", line)
        applied = await schema.migrate(settings.database_url)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
    await db.connect(settings)
    try:
        await schema.ensure_current()
        yield
    finally:
        await db.close()


async def _bus(app: web.Application) -> AsyncIterator[None]:
    """Start the event bus."""
    bus = create_bus(app[SETTINGS].redis_url, hooks_for(app[SETTINGS]))
    app[BUS] = bus
    await bus.start()
    writer = IngestWriter(bus)
    app[WRITER] = writer
    await writer.start()
    yield
    await writer.close()
    await bus.close()


async def _tasks(app: web.Application) -> AsyncIterator[None]:
    """Start the taskiq broker as a client; embedded mode also runs tasks and schedules here."""
    settings = app[SETTINGS]
    wire_broker(broker)
    attach_state(broker.state, settings, app[BUS])
    await broker.startup()
    loop_task: asyncio.Task[None] | None = None
    if settings.redis_url is None and settings.in_process_scheduler:
        loop_task = asyncio.create_task(
            _run_schedule(build_scheduler(None)), name="embedded-scheduler"
        )
    yield
    if loop_task is not None:
        loop_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop_task
    await broker.shutdown()
    await release_state(broker.state)


async def _run_schedule(scheduler: LeaderScheduler) -> None:
    """The in-process scheduler of the embedded mode."""
    from taskiq.cli.scheduler.run import SchedulerLoop

    for source in scheduler.sources:
        await source.startup()
    await SchedulerLoop(scheduler).run(
        update_interval=timedelta(seconds=60),
        loop_interval=timedelta(seconds=1),
        skip_first_run=True,
    )


def create_app(settings: Settings) -> web.Application:
    """Build the application for these settings."""
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[edge_middleware],
    )
    app[SETTINGS] = settings
    bodies.setup(app)
    app.cleanup_ctx.extend([_database, _bus, _tasks, startup.announce])
    health.setup(app)
    metrics.setup(app)
    webhooks.setup(app)
    slack.setup(app)
    websockets.setup(app)
    api.setup(app)
    dashboard.setup(app)
    return app
