"""The root card's buttons: Resolve / Reopen, Assign to me / Unassign."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.scope import scope_of
from bot.slack.errors import SlackRefused, call
from bot.thread.panel import (
    ASSIGN_ME_ACTION,
    PANEL_ACTIONS,
    REOPEN_ACTION,
    RESOLVE_ACTION,
)
from inbox.services.conversations import state as conversations
from inbox.settings import Settings
from inbox.tasks.broker import broker

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Handle presses of the card's buttons."""

    async def change_state(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        scope = scope_of(context)
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        value = str(action.get("value") or "")
        conversation = await scope.conversation(value) if scope is not None else None
        if conversation is None or not user:
            if channel and user:
                text = "That conversation is not in this Slack workspace's inbox."
                try:
                    await call(client.chat_postEphemeral(channel=channel, user=user, text=text))
                except SlackRefused as exc:
                    log.info("answer not shown to %s: %s", user, exc.error)
            return
        workspace = conversation.workspace_id
        kind = action.get("action_id")
        actor = f"slack:{user}"
        bus = getattr(broker.state, "bus", None)
        try:
            if kind in (RESOLVE_ACTION, REOPEN_ACTION):
                status = conversations.RESOLVED if kind == RESOLVE_ACTION else conversations.OPEN
                await conversations.set_status(
                    workspace, conversation.id, status, actor=actor, bus=bus
                )
            else:
                slack_user = user if kind == ASSIGN_ME_ACTION else None
                await conversations.assign(
                    workspace, conversation.id, slack_user=slack_user, actor=actor, bus=bus
                )
        except (conversations.ConversationNotFound, conversations.ChangeRefused) as exc:
            log.info("conversation %s: %s by %s refused (%s)", conversation.id, kind, user, exc)
            return
        log.info("conversation %s: %s by %s", conversation.id, kind, user)

    for action_id in PANEL_ACTIONS:
        app.action(action_id)(change_state)
