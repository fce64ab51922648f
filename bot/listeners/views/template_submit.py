"""The template modal's Send: queued once through the outbox, then shown in the thread.

The message and its outbox row commit before Slack gets its answer, keyed by the view id:
Slack resending the submission, or a second click on Send, finds the first and sends nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.scope import scope_of
from bot.mirror.tasks import kick
from bot.slack.agents import display_name
from bot.templates.blocks import CALLBACK_ID
from bot.templates.modal import submit
from inbox.settings import Settings
from inbox.tasks.sending import enqueue_sends

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Handle Send in the template modal."""

    async def submitted(
        ack: AsyncAck,
        view: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        agent = await display_name(client, user) if user else "an agent"
        outcome = await submit(scope_of(context), view, agent=agent, user_id=user)
        if outcome.errors:
            await ack(response_action="errors", errors=outcome.errors)
            return
        await ack()
        assert outcome.queued is not None
        if not outcome.queued.created:
            log.info("template submit repeated for view %s: already queued", view.get("id"))
            return
        message = outcome.queued.message
        await enqueue_sends([message])
        await kick([message.conversation_id])

    app.view(CALLBACK_ID)(submitted)
