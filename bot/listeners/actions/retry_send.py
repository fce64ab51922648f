"""The Retry button under a failure notice: queue the send again."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.scope import TeamScope, scope_of
from bot.replies.retry import RetryRefused, retry_failed
from bot.slack.errors import SlackRefused, call
from bot.thread.blocks import RETRY_ACTION, retried_notice
from inbox.settings import Settings

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Handle presses of the Retry button."""

    async def retry_send(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        notice = body.get("message") or {}
        value = str(action.get("value") or "")
        try:
            if not await _visible(scope_of(context), value):
                raise RetryRefused("this message is not in this Slack workspace's inbox")
            message = await retry_failed(value)
        except RetryRefused as exc:
            if channel and user:
                await call(
                    client.chat_postEphemeral(
                        channel=channel,
                        user=user,
                        text=f"Not retried: {exc}",
                        thread_ts=notice.get("thread_ts"),
                    )
                )
            return
        if channel and notice.get("ts"):
            text, blocks = retried_notice(message.error_message or "it had failed", user)
            try:
                await call(
                    client.chat_update(channel=channel, ts=notice["ts"], text=text, blocks=blocks)
                )
            except SlackRefused as exc:
                log.info("retry notice not updated: %s", exc.error)

    app.action(RETRY_ACTION)(retry_send)


async def _visible(scope: TeamScope | None, message_id: str) -> bool:
    """True when the message belongs to a workspace this Slack team serves."""
    try:
        key = uuid.UUID(message_id)
    except ValueError:
        return True  # retry_failed says what is wrong with it
    return scope is not None and await scope.messages().filter(id=key).exists()
