"""`/inbox stats`: a period's chart and figures, uploaded into the channel the command came from.

The figures are the aggregated `analytics` rows (the hourly run), the same the dashboard and
the REST API show; the chart is inbox/charts.py's, drawn in a thread off the event loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.reports.figures import duration, plural
from bot.slack.errors import call
from bot.thread.render import platform_label
from inbox import charts, rendering
from inbox.services.analytics import reports
from inbox.services.analytics.reports import Period


@dataclass(frozen=True, slots=True)
class StatsAsk:
    """What `/inbox stats` asked for: a workspace, the last `days` days, maybe one platform."""

    workspace_id: uuid.UUID
    days: int
    platform: str | None = None


def period_title(period: Period, platform: str | None) -> str:
    """ "Last 7 days · 18 Nov – 24 Nov 2026 (UTC) · Messenger"."""
    if period.days == 1:
        head, span = "Today", period.end.strftime("%d %b %Y")
    else:
        head = f"Last {period.days} days"
        span = f"{period.start.strftime('%d %b')} – {period.end.strftime('%d %b %Y')}"
    parts = [head, f"{span} (UTC)"]
    if platform:
        parts.append(platform_label(platform))
    return " · ".join(parts)


def summary(title: str, figures: dict[str, Any], unread: dict[str, Any] | None) -> str:
    """The short text under the chart."""
    lines = [
        f"*{title}*",
        f"• {plural(figures['messages_in'] + figures['messages_out'], 'message')}: "
        f"{figures['messages_in']} in, {figures['messages_out']} out",
        f"• {plural(figures['new_conversations'], 'new conversation')}",
        f"• First response: median {duration(figures['median_first_response_seconds'])}, "
        f"90% within {duration(figures['p90_first_response_seconds'])}",
    ]
    if unread is not None:
        lines.append(
            f"• Unread now: {plural(unread['unread_conversations'], 'conversation')} "
            f"({plural(unread['unread_messages'], 'message')})"
        )
    lines.append("_Figures from the hourly analytics run; today's may be up to an hour behind._")
    return "\n".join(lines)


async def report(ask: StatsAsk, today: date | None = None) -> tuple[str, str, bytes]:
    """The title, the summary and the chart (PNG) of what was asked."""
    period = Period.last(ask.days, today or datetime.now(UTC).date())
    days = await reports.daily(ask.workspace_id, period, ask.platform)
    platforms = await reports.by_platform(ask.workspace_id, period)
    title = period_title(period, ask.platform)
    if ask.platform is None:
        figures: dict[str, Any] = await reports.stats(ask.workspace_id, period)
        unread: dict[str, Any] | None = figures
    else:
        platforms = [p for p in platforms if p["platform"] == ask.platform]
        figures = platforms[0] if platforms else _nothing()
        unread = None
    png = await rendering.run(charts.stats_chart, title, days, platforms, "png")
    return title, summary(title, figures, unread), png


def _nothing() -> dict[str, Any]:
    return {
        "messages_in": 0,
        "messages_out": 0,
        "new_conversations": 0,
        "median_first_response_seconds": None,
        "p90_first_response_seconds": None,
    }


async def upload_stats(slack: AsyncWebClient, channel: str, ask: StatsAsk) -> str:
    """Upload the chart with its summary into the channel (files_upload_v2); the file id."""
    title, text, png = await report(ask)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    response = await call(
        slack.files_upload_v2(
            channel=channel,
            file=png,
            filename=f"cahts-stats-{ask.days}d-{stamp}.png",
            title=f"cahts: {title}",
            initial_comment=text,
        )
    )
    files = response.get("files") or [{}]
    return str(files[0].get("id") or "")
