"""Housekeeping tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.models import WebhookLog
from inbox.settings import tunable
from inbox.tasks.broker import broker


def webhook_log_retention() -> timedelta:
    """How long processed webhook bodies are kept (WEBHOOK_LOG_RETENTION_DAYS, default 30)."""
    return timedelta(days=tunable("WEBHOOK_LOG_RETENTION_DAYS"))


@broker.task(task_name="prune_webhook_logs", schedule=[{"cron": "17 3 * * *"}])
async def prune_webhook_logs() -> int:
    """Delete processed webhook logs past the retention period; failed ones are kept for replay."""
    cutoff = datetime.now(UTC) - webhook_log_retention()
    return await WebhookLog.filter(processed=True, created_at__lt=cutoff).delete()
