"""Interactivity (block_actions) listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.actions import connect_link, conversation_state, retry_send, template_modal
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Register the action listeners."""
    retry_send.register(app, settings)
    conversation_state.register(app, settings)
    connect_link.register(app, settings)
    template_modal.register(app, settings)
