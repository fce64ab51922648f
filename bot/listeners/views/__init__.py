"""Modal (view_submission) listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.views import form_connect, template_submit, whatsapp_connect
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Register the view listeners."""
    whatsapp_connect.register(app, settings)
    form_connect.register(app, settings)
    template_submit.register(app, settings)
