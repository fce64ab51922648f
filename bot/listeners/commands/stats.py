"""`/inbox stats [today|7d|30d] [platform]`: the chart and figures, drawn by a worker task."""

from __future__ import annotations

import logging
import re

from bot.install.home import home_workspace
from bot.listeners.commands.registry import Invocation, subcommand
from bot.reports.tasks import slack_stats_chart
from bot.thread.render import platform_label
from inbox.platforms.registry import platform_names

log = logging.getLogger(__name__)

USAGE = f"stats [today|7d|30d] [{'|'.join(platform_names())}]"
DEFAULT_DAYS = 7
MAX_DAYS = 90
_DAYS = re.compile(r"^(\d{1,3})d$")


class StatsUsage(ValueError):
    """The arguments do not say a period and a platform; the message says what is wrong."""


def parse(args: str) -> tuple[int, str | None]:
    """(days, platform) from the words after `stats`, in any order; StatsUsage otherwise."""
    days: int | None = None
    platform: str | None = None
    for word in args.lower().split():
        if word in ("today", "1d"):
            found = 1
        elif (match := _DAYS.match(word)) is not None:
            found = int(match.group(1))
            if not 1 <= found <= MAX_DAYS:
                raise StatsUsage(f"The period must be 1 to {MAX_DAYS} days, not `{word}`.")
        elif word in platform_names():
            if platform is not None:
                raise StatsUsage("Name one platform at most.")
            platform = word
            continue
        else:
            raise StatsUsage(f"I don't know `{word[:40]}`.")
        if days is not None:
            raise StatsUsage("Name one period at most.")
        days = found
    return days or DEFAULT_DAYS, platform


@subcommand(
    "stats",
    usage=USAGE,
    summary="upload a chart of messages per day and first-response times into this channel",
)
async def stats(call: Invocation) -> None:
    """Check the arguments, answer at once, and let a worker draw and upload the chart."""
    try:
        days, platform = parse(call.args)
    except StatsUsage as exc:
        await call.reply(f"{exc} Usage: `/inbox {USAGE}`")
        return
    workspace, problem = await home_workspace(call.scope)
    if workspace is None:
        await call.reply(problem)
        return
    period = "today" if days == 1 else f"the last {days} days"
    which = f" on {platform_label(platform)}" if platform else ""
    await call.reply(f"Drawing the chart of {period}{which}; it will appear here in a moment.")
    try:
        await slack_stats_chart.kiq(
            str(workspace.id),
            call.channel_id,
            days,
            platform,
            str(call.body.get("response_url") or ""),
        )
    except Exception as exc:  # the broker is down: say so rather than leave them waiting
        log.warning("could not queue the stats chart: %s", exc)
        await call.respond(text="The chart could not be queued; try again in a minute.")
