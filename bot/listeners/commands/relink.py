"""`/inbox relink <conversation>`: re-create a conversation's thread and repeat its history."""

from __future__ import annotations

import re

from bot.install.scope import TeamScope
from bot.install.workspaces import target_for
from bot.listeners.commands.registry import Invocation, subcommand
from bot.mirror.relink import history_size, request_relink
from bot.mirror.tasks import kick
from bot.thread.render import customer_name, platform_label
from bot.thread.text import escape
from inbox.models import Conversation, PlatformAccount
from inbox.settings import Settings

USAGE = "relink <conversation id, dashboard link or customer name>"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHOWN = 5


async def find(scope: TeamScope, ref: str) -> tuple[Conversation | None, str]:
    """The conversation an id, a dashboard link or a customer's name names, or why not."""
    found = _UUID.search(ref)
    if found is not None:
        conversation = await scope.conversation(found.group(0))
        if conversation is None:
            return None, "No conversation with that id in this Slack workspace's inbox."
        return conversation, ""
    name = ref.strip().strip("\"'“”")
    if len(name) < 2:
        return None, f"Say which conversation: `/inbox {USAGE}`."
    matches = await scope.conversations().filter(participant_name__icontains=name).limit(_SHOWN + 1)
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, f"No conversation with a customer called “{escape(name)}”."
    listed = "\n".join(f"• {escape(c.participant_name)}: `{c.id}`" for c in matches[:_SHOWN])
    more = " (and more)" if len(matches) > _SHOWN else ""
    return None, f"Several customers match{more}; use the id:\n{listed}"


async def start_relink(conversation: Conversation, settings: Settings) -> str:
    """Ask for the relink, kick the mirror, and say what will happen."""
    await request_relink(conversation.id)
    await kick([conversation.id])
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    target = await target_for(settings, conversation.workspace_id)
    channel = account.slack_channel or (target.default_channel if target else None)
    where = f"<#{channel}>" if channel else "the account's channel"
    who = customer_name(
        conversation.participant_name, account.platform, conversation.participant_id
    )
    return (
        f"Relinking {escape(who)} ({platform_label(account.platform)}): a new thread opens in "
        f"{where} with the latest {history_size()} messages."
    )


@subcommand(
    "relink",
    usage=USAGE,
    summary="re-create a conversation's thread in its account's channel, repeating its history",
)
async def relink(call: Invocation) -> None:
    """Relink the named conversation."""
    if call.scope is None:
        await call.reply("This Slack workspace is not connected to cahts.")
        return
    if not call.args:
        await call.reply(f"Usage: `/inbox {USAGE}`")
        return
    conversation, problem = await find(call.scope, call.args)
    if conversation is None:
        await call.reply(problem)
        return
    await call.reply(await start_relink(conversation, call.settings))
