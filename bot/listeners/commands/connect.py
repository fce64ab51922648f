"""`/inbox connect <platform>`: a Facebook Login link, the WhatsApp modal, or a platform's form."""

from __future__ import annotations

import logging
from typing import Any

from bot.accounts.connect import form_modal, login_blocks, whatsapp_modal
from bot.install.home import home_workspace
from bot.listeners.commands.registry import Invocation, subcommand
from bot.slack import errors
from inbox.platforms.registry import get_adapter, platform_names
from inbox.services.accounts import meta_oauth

log = logging.getLogger(__name__)

USAGE = "connect " + "|".join(platform_names())


@subcommand(
    "connect",
    usage=USAGE,
    summary="connect an account: Facebook Login for Instagram and Messenger, a form for the others",
)
async def connect(call: Invocation) -> None:
    """Answer with the login link, or open the WhatsApp modal."""
    words = call.args.lower().split()
    platform = words[0] if len(words) == 1 else ""
    adapter = get_adapter(platform)
    if adapter is None:
        await call.reply(f"Usage: `/inbox {USAGE}`")
        return
    workspace, problem = await home_workspace(call.scope)
    if workspace is None:
        await call.reply(problem)
        return
    if adapter.connect_method == "form":
        await _open_modal(call, form_modal(adapter) if adapter.connect_fields else whatsapp_modal())
        return
    settings = call.settings
    if not (settings.meta_app_id and settings.meta_app_secret):
        await call.reply(
            "Facebook Login is not set up on this cahts: its operator must set META_APP_ID "
            "and META_APP_SECRET."
        )
        return
    origin = meta_oauth.SlackOrigin(
        team=str(call.body.get("team_id") or ""), user=call.user_id, channel=call.channel_id
    )
    ticket = await meta_oauth.create_slack_ticket(
        workspace.id, platform, origin, settings.jwt_secret
    )
    url = meta_oauth.start_url(settings, ticket)
    minutes = int(meta_oauth.STATE_TTL.total_seconds() // 60)
    text, blocks = login_blocks(platform, url, minutes)
    call.acked = True
    # No unfurling: a preview fetch would use up the single-use link.
    await call.ack(
        text=text,
        blocks=blocks,
        response_type="ephemeral",
        unfurl_links=False,
        unfurl_media=False,
    )


async def _open_modal(call: Invocation, view: dict[str, Any]) -> None:
    """Open a connect form (the trigger is good for 3 seconds)."""
    trigger = str(call.body.get("trigger_id") or "")
    if not trigger:
        await call.reply("Slack sent no trigger to open the form with; try again.")
        return
    try:
        await errors.call(call.client.views_open(trigger_id=trigger, view=view))
    except (errors.MirrorStop, errors.SlackRefused, errors.ChannelGone) as exc:
        log.warning("could not open the connect form: %s", exc)
        await call.reply(f"The form could not be opened ({exc}); try again.")
        return
    await call.acknowledge()
