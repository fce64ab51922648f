"""`/inbox <subcommand> …`: split the text, hand it to the subcommand's handler, or say help.

To add a subcommand: write bot/listeners/commands/<name>.py with a handler decorated
`@subcommand("<name>", usage=…, summary=…)` (bot/listeners/commands/registry.py) and add
the module to SUBCOMMAND_MODULES below. `/inbox help` (or an unknown word) lists them all,
unless a module registers its own "help".
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.manifest import COMMAND
from bot.install.scope import scope_of
from bot.listeners.commands import connect, digest, relink, stats, status, template
from bot.listeners.commands.registry import SUBCOMMANDS, Invocation
from inbox.settings import Settings

log = logging.getLogger(__name__)

SUBCOMMAND_MODULES = (relink, stats, connect, status, digest, template)
MAX_TEXT = 2000


def help_text(unknown: str | None = None) -> str:
    """The list of subcommands (after a word about an unknown one)."""
    lines = [
        f"`{COMMAND} {sub.usage}`: {sub.summary}"
        for sub in sorted(SUBCOMMANDS.values(), key=lambda s: s.name)
    ]
    head = f"There is no `{COMMAND} {unknown}`. " if unknown else ""
    return head + "What `/inbox` can do:\n" + "\n".join(lines)


async def dispatch(call: Invocation) -> None:
    """Run the named subcommand; make sure Slack always gets an answer."""
    found = SUBCOMMANDS.get(call.name)
    if found is None:
        await call.reply(help_text(call.name if call.name not in ("", "help") else None))
        return
    try:
        await found.handler(call)
    finally:
        if not call.acked:
            await call.acknowledge()


def register(app: AsyncApp, settings: Settings) -> None:
    """Listen to `/inbox`."""

    async def inbox_command(
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: dict[str, Any],
    ) -> None:
        text = str(body.get("text") or "")[:MAX_TEXT].strip()
        words = text.split(None, 1)
        name = words[0].lower() if words else ""
        args = words[1].strip() if len(words) > 1 else ""
        call = Invocation(name, args, body, settings, scope_of(context), client, respond, ack)
        log.info("%s %s by %s", COMMAND, call.name or "(nothing)", call.user_id)
        await dispatch(call)

    app.command(COMMAND)(inbox_command)
