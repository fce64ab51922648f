"""The "Send a template…" button opens the modal; picking or typing in it redraws the preview."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.scope import scope_of
from bot.slack.errors import SlackRefused, call
from bot.templates.blocks import OPEN_ACTION, PICK_ACTION, VALUE_ACTION
from bot.templates.modal import ModalRefused, build_view, redraw
from inbox.settings import Settings

log = logging.getLogger(__name__)


def register(app: AsyncApp, settings: Settings) -> None:
    """Handle the button and the modal's live fields."""

    async def open_modal(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        trigger = str(body.get("trigger_id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        try:
            view = await build_view(scope_of(context), str(action.get("value") or ""))
        except ModalRefused as exc:
            if channel and user:
                await call(client.chat_postEphemeral(channel=channel, user=user, text=str(exc)))
            return
        if trigger:
            await call(client.views_open(trigger_id=trigger, view=view))

    async def changed(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        view = body.get("view")
        if not isinstance(view, dict) or not view.get("id"):
            return
        try:
            fresh = await redraw(scope_of(context), view)
        except ModalRefused as exc:
            log.info("template modal not redrawn: %s", exc)
            return
        try:
            await call(client.views_update(view_id=view["id"], hash=view.get("hash"), view=fresh))
        except SlackRefused as exc:
            # hash_conflict: a later keystroke's redraw already won; it carries this one's value.
            log.info("template modal not redrawn: %s", exc.error)

    app.action(OPEN_ACTION)(open_modal)
    app.action(PICK_ACTION)(changed)
    app.action(VALUE_ACTION)(changed)
