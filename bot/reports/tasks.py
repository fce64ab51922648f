"""Slack report work on the task queue: `/inbox stats` charts and the daily digest.

Loaded by the process roots (web/wiring.py). Charts are drawn in the worker (off the event
loop), so a slash command only has to be acknowledged within Slack's 3 seconds.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from slack_sdk.webhook.async_client import AsyncWebhookClient
from taskiq import Context, TaskiqDepends

from bot.install.workspaces import target_for
from bot.mirror.tasks import slack_on
from bot.reports.digest import run_digests
from bot.reports.stats import StatsAsk, upload_stats
from bot.slack.client import slack_client
from bot.slack.errors import ChannelGone, MirrorStop, SlackRefused
from inbox.settings import Settings
from inbox.tasks.broker import broker
from inbox.tasks.schedules import every

log = logging.getLogger(__name__)

SLACK_HOOKS_HOST = "hooks.slack.com"
NOT_IN_CHANNEL = (
    "I can't post the chart in this channel: invite me first (`/invite @cahts`), "
    "or run `/inbox stats` in a channel I'm in."
)


def _trusted_response_url(settings: Settings, url: str) -> bool:
    """Slack's own response URLs only (or SLACK_API_URL's host, for tests and staging)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host == SLACK_HOOKS_HOST:
        return True
    return bool(host) and host == urlsplit(settings.slack_api_url).hostname


async def _tell(settings: Settings, response_url: str, text: str) -> None:
    """An ephemeral answer to the person who ran the command (through its response_url)."""
    if not response_url or not _trusted_response_url(settings, response_url):
        return
    try:
        await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral")
    except Exception as exc:  # the answer is a courtesy; the log keeps the failure
        log.info("could not answer through the response_url: %s", exc)


@broker.task(task_name="slack_stats_chart")
async def slack_stats_chart(
    workspace_id: str,
    channel: str,
    days: int,
    platform: str | None = None,
    response_url: str = "",
    context: Context = TaskiqDepends(),
) -> str:
    """Draw the stats chart of a workspace and upload it with its summary into the channel."""
    state = context.state
    if not slack_on(state):
        return "off"
    target = await target_for(state.settings, uuid.UUID(workspace_id))
    if target is None:
        return "off"
    slack = slack_client(state.settings, target.token)
    ask = StatsAsk(uuid.UUID(workspace_id), int(days), platform)
    try:
        file_id = await upload_stats(slack, channel, ask)
    except ChannelGone:
        await _tell(state.settings, response_url, NOT_IN_CHANNEL)
        return "not in channel"
    except (SlackRefused, MirrorStop) as exc:
        log.warning("stats chart not uploaded into %s: %s", channel, exc)
        await _tell(state.settings, response_url, f"The chart could not be uploaded ({exc}).")
        return "failed"
    return file_id or "uploaded"


@broker.task(
    task_name="slack_daily_digest",
    schedule=every("DIGEST_INTERVAL_SECONDS", cron="*/10 * * * *"),
)
async def slack_daily_digest(context: Context = TaskiqDepends()) -> int:
    """Post the daily digests that are due (each account's once, however many runs)."""
    if not slack_on(context.state):
        return 0
    return await run_digests(context.state.settings, datetime.now(UTC))
