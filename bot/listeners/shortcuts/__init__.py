"""Shortcut listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.shortcuts import relink_thread
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Register the shortcut listeners."""
    relink_thread.register(app, settings)
