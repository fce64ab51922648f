"""An account that needs attention (or is fine again), told in its Slack channel."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.install.workspaces import target_for
from bot.slack.client import slack_client
from inbox.events import AccountAttention
from inbox.models import PlatformAccount
from inbox.settings import Settings

log = logging.getLogger(__name__)


class AttentionPoster:
    """The attention hook: one line in the account's channel (or its workspace's default)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, event: AccountAttention) -> None:
        """Post the `account_attention` event's news, if the workspace has a Slack channel."""
        account = await PlatformAccount.get_or_none(id=event.account_id)
        if account is None:
            return
        target = await target_for(self.settings, account.workspace_id)
        channel = account.slack_channel or (target.default_channel if target else None)
        if target is None or not channel:
            return
        label = f"{account.platform.capitalize()} account {account.name or account.external_id}"
        reason = event.reason
        text = (
            f":warning: {label} needs attention: {reason}."
            if reason is not None
            else f":white_check_mark: {label} is fine again."
        )
        try:
            await slack_client(self.settings, target.token).chat_postMessage(
                channel=channel, text=text
            )
        except (SlackApiError, SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning(
                "could not tell Slack channel %s about account %s: %s", channel, account.id, exc
            )
