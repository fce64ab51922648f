"""`/inbox digest [on [HH] [here|#channel|accounts] | off]`: the daily digest's settings."""

from __future__ import annotations

import re

from slack_sdk.web.async_client import AsyncWebClient

from bot.install.home import home_workspace
from bot.listeners.commands.registry import Invocation, subcommand
from bot.slack import errors
from inbox.models import Workspace
from inbox.services.analytics import digests

USAGE = "digest [on [HH] [here|#channel|accounts] | off]"
_HOUR = re.compile(r"^([01]?\d|2[0-3])(?::00)?h?$")
_MENTION = re.compile(r"^<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,30}$")
_NAME = re.compile(r"^#([a-z0-9_\-]{1,80})$")
MAX_LOOKUP_PAGES = 10


class DigestUsage(ValueError):
    """The arguments are not a digest setting; the message says why."""


def describe(workspace: Workspace) -> str:
    """The digest setting in words."""
    if not workspace.digest_enabled:
        return "The daily digest is off. Turn it on with `/inbox digest on [HH] [here]`."
    where = (
        f"into <#{workspace.digest_channel}>"
        if workspace.digest_channel
        else "into each account's channel"
    )
    return (
        f"The daily digest is on: every day at {workspace.digest_hour_utc:02d}:00 UTC, "
        f"yesterday's chart and figures of each account {where}."
    )


async def _channel_named(client: AsyncWebClient, name: str) -> str | None:
    """A channel's id from its name (channels the bot can see), None if there is none."""
    cursor = None
    for _ in range(MAX_LOOKUP_PAGES):
        page = await errors.call(
            client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
        )
        for channel in page.get("channels") or []:
            if channel.get("name") == name:
                return str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


async def parse_on(call: Invocation, words: list[str]) -> tuple[int | None, str | None, bool]:
    """(hour, channel, back to the accounts' channels) from the words after `on`."""
    hour: int | None = None
    channel: str | None = None
    reset = False
    for word in words:
        if (match := _HOUR.match(word.lower())) is not None and hour is None:
            hour = int(match.group(1))
        elif channel is not None or reset:
            raise DigestUsage("Name one channel at most.")
        elif word.lower() == "here":
            channel = call.channel_id
        elif word.lower() == "accounts":
            reset = True
        elif (mention := _MENTION.match(word)) is not None:
            channel = mention.group(1)
        elif _CHANNEL_ID.match(word):
            channel = word
        elif (named := _NAME.match(word.lower())) is not None:
            channel = await _channel_named(call.client, named.group(1))
            if channel is None:
                raise DigestUsage(f"I can't find `#{named.group(1)}`: invite me there first.")
        else:
            raise DigestUsage(f"I don't know `{word[:40]}`: an hour is 0–23 (UTC).")
    return hour, channel, reset


@subcommand(
    "digest",
    usage=USAGE,
    summary="show or set the daily digest (yesterday's chart and figures per account)",
)
async def digest(call: Invocation) -> None:
    """Show the setting, or turn the digest on (at an hour, into a channel) or off."""
    words = call.args.split()
    workspace, problem = await home_workspace(call.scope)
    if workspace is None:
        await call.reply(problem)
        return
    if not words:
        await call.reply(describe(workspace))
        return
    action = words[0].lower()
    if action == "off" and len(words) == 1:
        updated = await digests.configure(workspace.id, enabled=False)
    elif action == "on":
        try:
            hour, channel, reset = await parse_on(call, words[1:])
        except DigestUsage as exc:
            await call.reply(f"{exc} Usage: `/inbox {USAGE}`")
            return
        except (errors.MirrorStop, errors.SlackRefused, errors.ChannelGone) as exc:
            await call.reply(f"Slack did not list its channels ({exc}); use `here` instead.")
            return
        updated = await digests.configure(
            workspace.id, enabled=True, hour=hour, channel=channel, clear_channel=reset
        )
    else:
        await call.reply(f"Usage: `/inbox {USAGE}`")
        return
    await call.reply(describe(updated))
