"""Every Bolt listener, registered by kind (events, actions, commands, shortcuts)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners import actions, commands, events, shortcuts, views
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Register all listeners on the app."""
    events.register(app, settings)
    actions.register(app, settings)
    commands.register(app, settings)
    shortcuts.register(app, settings)
    views.register(app, settings)
