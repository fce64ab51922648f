"""Sync tasks: every few minutes, fetch what webhooks missed for every active account."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from taskiq import Context, TaskiqDepends

from inbox.models import PlatformAccount
from inbox.services.sync.runner import sync_account
from inbox.tasks.broker import broker
from inbox.tasks.schedules import every

log = logging.getLogger(__name__)


@broker.task(
    task_name="sync_all_platforms", schedule=every("SYNC_INTERVAL_SECONDS", cron="*/5 * * * *")
)
async def sync_all_platforms() -> int:
    """Queue one sync per active account, so the accounts spread over the workers."""
    ids = await PlatformAccount.filter(is_active=True).values_list("id", flat=True)
    for account_id in ids:
        await sync_account_task.kiq(str(account_id))
    return len(ids)


@broker.task(task_name="sync_account")
async def sync_account_task(
    account_id: str, context: Context = TaskiqDepends()
) -> dict[str, Any] | None:
    """Sync one account (scheduled, or asked for by the API or the CLI)."""
    try:
        account = await PlatformAccount.get_or_none(id=uuid.UUID(str(account_id)), is_active=True)
    except ValueError:
        account = None
    if account is None:
        log.info("sync_account: no active account %r", account_id)
        return None
    state = context.state
    result = await sync_account(account, graph=state.graph, cipher=state.cipher, bus=state.bus)
    return result.as_dict()


async def request_sync(account_id: uuid.UUID) -> None:
    """Queue a sync of one account now (what `POST /api/platforms/{id}/sync` calls)."""
    await sync_account_task.kiq(str(account_id))
