"""`message_deleted` of a thread's root: the conversation relinks with its next message."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.install.scope import scope_of
from bot.mirror.relink import note_root_deleted
from inbox.settings import Settings

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Listen to deletions (of any message; only thread roots matter)."""

    async def root_deleted(body: dict[str, Any], context: dict[str, Any]) -> None:
        event = body.get("event") or {}
        channel, deleted = event.get("channel"), event.get("deleted_ts")
        scope = scope_of(context)
        if scope is None or not isinstance(channel, str) or not isinstance(deleted, str):
            return
        await note_root_deleted(scope, channel, deleted)

    app.event({"type": "message", "subtype": "message_deleted"})(root_deleted)
