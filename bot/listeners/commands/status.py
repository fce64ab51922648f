"""`/inbox status [share]`: every account of this Slack workspace's inbox, how it is doing."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.accounts.status import account_states, status_blocks
from bot.listeners.commands.registry import Invocation, subcommand

USAGE = "status [share]"


@subcommand(
    "status",
    usage=USAGE,
    summary="each account: last webhook, token expiry, webhook subscription, unread, failed sends",
)
async def status(call: Invocation) -> None:
    """List the accounts (only to the caller unless `share`)."""
    words = call.args.lower().split()
    if words not in ([], ["share"]):
        await call.reply(f"Usage: `/inbox {USAGE}`")
        return
    if call.scope is None:
        await call.reply("This Slack workspace is not connected to cahts.")
        return
    now = datetime.now(UTC)
    text, blocks = status_blocks(await account_states(call.scope, now), now)
    call.acked = True
    await call.ack(text=text, blocks=blocks, response_type="in_channel" if words else "ephemeral")
