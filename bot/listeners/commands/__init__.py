"""Slash command listeners (`/inbox` and its subcommands)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.commands import inbox
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Register the command listeners."""
    inbox.register(app, settings)
