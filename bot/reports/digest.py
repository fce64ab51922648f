"""The daily digest: yesterday's chart and figures of each account, posted into its channel.

Runs from the `slack_daily_digest` task (bot/reports/tasks.py). Every active account of a due
workspace is claimed first (inbox/services/analytics/digests.py), so however many workers
run it, each account's digest is posted once. Channel: the workspace's digest channel if one
is set, else the account's own channel, else the channel its threads go to by default.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.install.workspaces import target_for
from bot.reports.figures import duration, plural
from bot.slack.client import slack_client
from bot.slack.errors import ChannelGone, MirrorStop, SlackRefused, SlackUnsure, call
from bot.thread.render import platform_label
from bot.thread.text import escape
from inbox import charts, rendering
from inbox.models import PlatformAccount, Workspace
from inbox.services.analytics import digests
from inbox.services.analytics.daily import AccountDay, account_day, day_start
from inbox.settings import Settings

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)


def digest_text(account: PlatformAccount, day: date, figures: AccountDay) -> str:
    """The digest's words for one account and day."""
    head = (
        f"*Daily digest · {escape(account.name or account.external_id)} "
        f"({platform_label(account.platform)}) · {day.strftime('%a %d %b %Y')}*"
    )
    if figures.quiet:
        return f"{head}\nA quiet day: no messages in or out."
    return "\n".join(
        [
            head,
            f"• Messages: {figures.messages_in} in, {figures.messages_out} out",
            f"• {plural(figures.new_conversations, 'new conversation')}",
            f"• Median first response: {duration(figures.median_first_response_seconds)}",
            f"• Unanswered: {plural(figures.unanswered, 'conversation')}",
        ]
    )


def _filename(account: PlatformAccount, day: date) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (account.name or account.external_id).lower()).strip("-")
    return f"cahts-digest-{day.isoformat()}-{slug[:40] or account.platform}.png"


async def post_digest(
    slack: AsyncWebClient, account: PlatformAccount, day: date, channel: str
) -> None:
    """Post one account's digest of `day`: the chart with the figures, or a line on a quiet day."""
    figures = await account_day(account.id, day)
    text = digest_text(account, day, figures)
    if figures.quiet:
        await call(slack.chat_postMessage(channel=channel, text=text))
        return
    title = f"{account.name or account.external_id} · {day.strftime('%a %d %b %Y')}"
    png = await rendering.run(
        charts.digest_chart, title, figures.hourly_in, figures.hourly_out, "png"
    )
    await call(
        slack.files_upload_v2(
            channel=channel,
            file=png,
            filename=_filename(account, day),
            title=f"cahts digest: {title}",
            initial_comment=text,
        )
    )


async def run_digests(settings: Settings, now: datetime) -> int:
    """Post every due digest this run can claim; how many were posted."""
    day = digests.digest_day(now)
    done = 0
    for workspace in await digests.due_workspaces(now):
        target = await target_for(settings, workspace.id)
        if target is None:
            continue
        slack = slack_client(settings, target.token)
        # An account connected after that day has nothing to say about it.
        accounts = await PlatformAccount.filter(
            workspace_id=workspace.id, is_active=True, created_at__lt=day_start(day + ONE_DAY)
        ).order_by("platform", "name")
        for account in accounts:
            channel = workspace.digest_channel or account.slack_channel or target.default_channel
            done += await _one(slack, workspace, account, day, channel, now)
    return done


async def _one(
    slack: AsyncWebClient,
    workspace: Workspace,
    account: PlatformAccount,
    day: date,
    channel: str | None,
    now: datetime,
) -> int:
    claim = await digests.claim(account, day, now)
    if claim is None:
        return 0
    if not channel:
        await digests.failed(
            claim.id, "no channel: set a digest channel or SLACK_CHANNEL", retry=False
        )
        return 0
    try:
        await post_digest(slack, account, day, channel)
    except (ChannelGone, SlackRefused) as exc:
        log.warning("digest of %s not posted in %s: %s", account.id, channel, exc)
        await digests.failed(claim.id, f"Slack refused: {exc}", retry=False)
        return 0
    except MirrorStop as exc:
        log.warning("digest of %s not posted yet: %s", account.id, exc)
        await digests.failed(claim.id, str(exc), retry=isinstance(exc, SlackUnsure))
        return 0
    await digests.posted(claim.id, channel, now)
    log.info("digest of %s (%s) for %s posted", account.id, workspace.id, day)
    return 1
