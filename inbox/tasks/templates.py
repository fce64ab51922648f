"""Template tasks: hourly, list every WABA's templates again; at once after a status webhook."""

from __future__ import annotations

import logging

from taskiq import Context, TaskiqDepends

from inbox.models import PlatformAccount
from inbox.services.templates.catalog import CatalogUnavailable, refresh_account, refresh_all
from inbox.tasks.broker import broker

log = logging.getLogger(__name__)


@broker.task(task_name="refresh_whatsapp_templates", schedule=[{"cron": "17 * * * *"}])
async def refresh_whatsapp_templates(context: Context = TaskiqDepends()) -> dict[str, int]:
    """Every WABA's templates from Meta (-1 for a WABA that could not be listed)."""
    state = context.state
    return await refresh_all(state.graph, state.cipher)


@broker.task(task_name="refresh_waba_templates")
async def refresh_waba_templates(waba_id: str, context: Context = TaskiqDepends()) -> int:
    """One WABA's templates, in every workspace that has a number of it (after a webhook)."""
    state = context.state
    accounts = await PlatformAccount.filter(
        platform="whatsapp", is_active=True, parent_external_id=str(waba_id)[:64]
    ).order_by("created_at")
    workspaces: set[str] = set()
    stored = 0
    for account in accounts:
        if str(account.workspace_id) in workspaces:
            continue
        workspaces.add(str(account.workspace_id))
        try:
            stored += await refresh_account(state.graph, state.cipher, account)
        except CatalogUnavailable as exc:
            log.warning("templates of WABA %s not refreshed: %s", waba_id, exc)
    return stored


async def list_templates_soon(account: PlatformAccount) -> None:
    """Queue the listing of a just-connected number's templates (else the hourly run does it)."""
    if account.platform != "whatsapp" or not account.parent_external_id:
        return
    try:
        await refresh_waba_templates.kiq(account.parent_external_id)
    except Exception as exc:  # the broker is down: the hourly refresh lists them
        log.warning("could not queue the templates of %s: %s", account.parent_external_id, exc)
