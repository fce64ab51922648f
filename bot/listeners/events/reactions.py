"""`reaction_added` / `reaction_removed`: an agent's emoji on a customer message → the platform."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.install.scope import scope_of
from bot.mirror.tasks import kick
from bot.replies.reactions import REACTION_EVENTS, note_agent_reaction
from inbox.settings import Settings

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Listen to reactions added and removed."""

    async def agent_reaction(body: dict[str, Any], context: AsyncBoltContext) -> None:
        noted = await note_agent_reaction(body, scope_of(context), context.bot_user_id)
        log.info("slack reaction %s: %s %s", body.get("event_id"), noted.action, noted.detail)
        if noted.conversation_id is not None:
            await kick([noted.conversation_id])

    for kind in REACTION_EVENTS:
        app.event(kind)(agent_reaction)
