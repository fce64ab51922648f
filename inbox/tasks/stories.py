"""Hourly: story links of recent Instagram story mentions and replies, checked for expiry."""

from __future__ import annotations

from taskiq import Context, TaskiqDepends

from inbox.netguard import GuardedHttp
from inbox.services.stories import TIMEOUT, check_recent
from inbox.tasks.broker import broker


@broker.task(task_name="check_story_links", schedule=[{"cron": "23 * * * *"}])
async def check_story_links(context: Context = TaskiqDepends()) -> int:
    """Mark the stories whose link stopped answering as expired; returns how many."""
    state = context.state
    async with GuardedHttp(TIMEOUT) as http:
        return await check_recent(http, state.bus, trusted=(state.graph.base_url,))
