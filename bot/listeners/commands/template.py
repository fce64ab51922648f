"""`/inbox template <conversation>`: open the template modal for a WhatsApp conversation."""

from __future__ import annotations

from bot.listeners.commands.registry import Invocation, subcommand
from bot.listeners.commands.relink import find
from bot.slack.errors import SlackRefused, call
from bot.templates.modal import ModalRefused, build_view

USAGE = "template <conversation id, dashboard link or customer name>"


@subcommand(
    "template",
    usage=USAGE,
    summary="send an approved WhatsApp template to a customer whose reply window is closed",
)
async def template(call_: Invocation) -> None:
    """Open the modal for the named conversation."""
    if call_.scope is None:
        await call_.reply("This Slack workspace is not connected to cahts.")
        return
    if not call_.args:
        await call_.reply(f"Say which conversation: `/inbox {USAGE}`.")
        return
    conversation, problem = await find(call_.scope, call_.args)
    if conversation is None:
        await call_.reply(problem)
        return
    trigger = str(call_.body.get("trigger_id") or "")
    if not trigger:
        await call_.reply("Slack sent no trigger to open a modal with; try again.")
        return
    try:
        view = await build_view(call_.scope, str(conversation.id))
    except ModalRefused as exc:
        await call_.reply(f"No template: {exc}.")
        return
    await call_.acknowledge()
    try:
        await call(call_.client.views_open(trigger_id=trigger, view=view))
    except SlackRefused as exc:
        await call_.respond(text=f"The template form could not open ({exc.error}).")
