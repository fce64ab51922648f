"""`message` events: a reply in a conversation's thread goes to the customer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.scope import scope_of
from bot.replies.send import handle_thread_reply
from inbox.settings import Settings

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Listen to every message event (app.message would miss subtypes such as file_share)."""

    async def thread_reply(
        body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        outcome = await handle_thread_reply(body, client, settings, scope_of(context))
        log.info("slack message %s: %s %s", body.get("event_id"), outcome.action, outcome.detail)

    app.event("message")(thread_reply)
