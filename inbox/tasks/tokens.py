"""Token task: daily, refresh Instagram-Login tokens and flag accounts whose access is at risk."""

from __future__ import annotations

from taskiq import Context, TaskiqDepends

from inbox.services.accounts.token_care import care_for_all
from inbox.tasks.broker import broker
from inbox.tasks.schedules import every


@broker.task(
    task_name="refresh_expired_tokens",
    schedule=every("TOKEN_CHECK_INTERVAL_SECONDS", cron="23 4 * * *"),
)
async def refresh_expired_tokens(context: Context = TaskiqDepends()) -> dict[str, int]:
    """Refresh, verify and flag every active account (see inbox.services.accounts.token_care)."""
    state = context.state
    return await care_for_all(
        graph=state.graph, cipher=state.cipher, settings=state.settings, bus=state.bus
    )
