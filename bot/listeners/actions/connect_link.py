"""The "Connect …" link button of `/inbox connect`: the browser opens it; Slack wants an ack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.accounts.connect import LINK_ACTION
from inbox.settings import Settings


def register(app: AsyncApp, settings: Settings) -> None:
    """Acknowledge presses of the link button (without one Slack marks the press as failed)."""

    async def opened(ack: AsyncAck) -> None:
        await ack()

    app.action(LINK_ACTION)(opened)
