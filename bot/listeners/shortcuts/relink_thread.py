"""The "Relink thread" message shortcut, used on a conversation thread's root (or a reply)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.manifest import RELINK_SHORTCUT
from bot.install.scope import scope_of
from bot.listeners.commands.relink import start_relink
from bot.slack.errors import SlackRefused, call
from inbox.settings import Settings

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Relink the conversation whose thread the shortcut was used in."""

    async def relink_thread(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        scope = scope_of(context)
        channel = str((body.get("channel") or {}).get("id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        message = body.get("message") or {}
        ts = str(message.get("thread_ts") or message.get("ts") or "")
        conversation = await scope.thread(channel, ts) if scope and channel and ts else None
        if conversation is None:
            text = "That message is not in a cahts conversation thread: use it on a thread's root."
        else:
            text = await start_relink(conversation, settings)
        if channel and user:
            try:
                await call(client.chat_postEphemeral(channel=channel, user=user, text=text))
            except SlackRefused as exc:
                log.info("relink answer not shown to %s: %s", user, exc.error)

    app.shortcut(RELINK_SHORTCUT)(relink_thread)
