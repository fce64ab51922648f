"""/metrics in Prometheus text format, optionally behind a bearer token."""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from inbox.appkeys import SETTINGS
from inbox.metrics import OUTBOX_PENDING, REGISTRY, TASK_QUEUE_DEPTH, TOKEN_EXPIRY
from inbox.models import Outbox, PlatformAccount

log = logging.getLogger(__name__)


async def _refresh_gauges(redis_url: str | None) -> None:
    """Gauges read from the database and the broker at scrape time."""
    now = datetime.now(UTC)
    TOKEN_EXPIRY.clear()
    accounts = await PlatformAccount.filter(is_active=True, token_expires_at__isnull=False).values(
        "id", "platform", "token_expires_at"
    )
    for row in accounts:
        left = (row["token_expires_at"] - now).total_seconds()
        TOKEN_EXPIRY.labels(str(row["id"]), row["platform"]).set(left)
    OUTBOX_PENDING.set(await Outbox.filter(status__in=["pending", "sending"]).count())
    if redis_url:
        import redis.asyncio as aioredis

        from inbox.tasks.broker import QUEUE_NAME

        client = aioredis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            TASK_QUEUE_DEPTH.set(await client.xlen(QUEUE_NAME))
        finally:
            await client.aclose()


async def metrics(request: web.Request) -> web.Response:
    """Prometheus exposition; 401 without the configured METRICS_TOKEN."""
    settings = request.app[SETTINGS]
    if settings.metrics_token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
            raise web.HTTPUnauthorized(text="a bearer token is required for /metrics")
    try:
        await _refresh_gauges(settings.redis_url)
    except Exception as exc:  # metrics must answer even when a dependency is down
        log.warning("metrics gauges not refreshed: %s", exc)
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup(app: web.Application) -> None:
    """Mount /metrics."""
    app.router.add_get("/metrics", metrics)
