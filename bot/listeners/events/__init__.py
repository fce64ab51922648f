"""Events API listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.events import reactions, root_deleted, thread_reply
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Register the event listeners."""
    root_deleted.register(app, settings)  # before thread_reply: Bolt runs the first match
    thread_reply.register(app, settings)
    reactions.register(app, settings)
