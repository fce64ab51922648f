"""`/inbox status`: per account of the team's workspace — webhooks, token, subscription, unread,
failed sends in the last 24 h — as Block Kit (pure rendering) from one read (`account_states`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Sum

from bot.install.scope import TeamScope
from bot.reports.figures import ago, duration, plural
from bot.thread.render import platform_icon, platform_label
from bot.thread.text import escape
from inbox.models import Conversation, Message, PlatformAccount
from inbox.platforms.registry import platform_names

FAILED_WINDOW = timedelta(hours=24)
MAX_SHOWN = 45  # Slack allows 50 blocks a message; a header and footers take the rest
WEBHOOK_QUIET = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class AccountState:
    """What `/inbox status` says about one account."""

    account: PlatformAccount
    unread: int
    failed_24h: int


async def account_states(scope: TeamScope, now: datetime) -> list[AccountState]:
    """Every account this team's workspace has (active first), with its counts."""
    accounts = await scope.accounts().order_by("-is_active", "platform", "name")
    ids = [a.id for a in accounts]
    unread: dict[str, int] = {}
    failed: Counter[str] = Counter()
    if ids:
        rows = (
            await Conversation.filter(platform_account_id__in=ids)
            .annotate(unread=Sum("unread_count"))
            .group_by("platform_account_id")
            .values("platform_account_id", "unread")
        )
        unread = {str(r["platform_account_id"]): int(r["unread"] or 0) for r in rows}
        failures = await Message.filter(
            platform_account_id__in=ids,
            is_incoming=False,
            status="failed",
            received_at__gte=now - FAILED_WINDOW,
        ).values_list("platform_account_id", flat=True)
        failed = Counter(str(a) for a in failures)
    return [AccountState(a, unread.get(str(a.id), 0), failed[str(a.id)]) for a in accounts]


def token_words(expires_at: datetime | None, now: datetime) -> str:
    """The token's expiry in words, with a warning mark when it is close or past."""
    if expires_at is None:
        return "does not expire"
    left = expires_at - now
    when = expires_at.strftime("%d %b %Y")
    if left <= timedelta(0):
        return f":warning: expired on {when}"
    if left < timedelta(days=7):
        return f":warning: expires {when} (in {duration(left.total_seconds())})"
    return f"expires {when}"


def _lines(state: AccountState, now: datetime) -> str:
    account = state.account
    name = escape(account.name or account.external_id)
    icon = platform_icon(account.platform)
    head = f"{icon} *{name}* · {platform_label(account.platform)} `{account.external_id}`"
    if not account.is_active:
        return f"{head}\n:no_entry: disconnected"
    webhook = ago(account.last_webhook_at, now, "never")
    if account.last_webhook_at is not None and now - account.last_webhook_at > WEBHOOK_QUIET:
        webhook = f":warning: {webhook}"
    subscribed = "subscribed" if account.subscription_ok else ":x: not subscribed"
    failed = f":x: {state.failed_24h}" if state.failed_24h else "0"
    lines = [
        head,
        f"Last webhook: {webhook} · Token: {token_words(account.token_expires_at, now)}",
        f"Webhooks: {subscribed} · Unread: {state.unread} · Failed sends (24 h): {failed}",
    ]
    if account.needs_attention and account.attention_reason:
        lines.append(f":warning: {escape(account.attention_reason[:300])}")
    return "\n".join(lines)


def status_blocks(states: list[AccountState], now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks of the status answer."""
    if not states:
        text = f"No accounts are connected yet: `/inbox connect {'|'.join(platform_names())}`."
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    active = sum(1 for s in states if s.account.is_active)
    text = f"Inbox status: {plural(active, 'connected account')}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Inbox status"}}
    ]
    for state in states[:MAX_SHOWN]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _lines(state, now)}})
    if len(states) > MAX_SHOWN:
        more = len(states) - MAX_SHOWN
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"… and {more} more: see the dashboard's Platforms."}
                ],
            }
        )
    return text, blocks
