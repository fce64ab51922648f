"""Analytics task: hourly, recompute the recent days' figures."""

from __future__ import annotations

from inbox.services.analytics.daily import DEFAULT_DAYS, aggregate, recent_days
from inbox.tasks.broker import broker
from inbox.tasks.schedules import every


@broker.task(
    task_name="aggregate_daily_analytics",
    schedule=every("ANALYTICS_INTERVAL_SECONDS", cron="5 * * * *"),
)
async def aggregate_daily_analytics(days: int = DEFAULT_DAYS) -> int:
    """Upsert the figures of the last `days` UTC days (today and yesterday by default)."""
    start, end = recent_days(days)
    return await aggregate(start, end)
