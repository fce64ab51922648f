"""`cahts doctor`'s Slack checks: each bot token answers auth.test, and the bot is in every
channel it posts to."""

from __future__ import annotations

import uuid
from collections import defaultdict

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.workspaces import target_for
from bot.slack.client import slack_client
from inbox.diagnostics.findings import Finding
from inbox.models import PlatformAccount, Workspace
from inbox.settings import Settings


async def _channels(settings: Settings) -> dict[str, set[str]]:
    """Bot token → the channels it posts to: SLACK_CHANNEL, installs' and accounts' channels."""
    wanted: dict[str, set[str]] = defaultdict(set)
    if settings.slack_bot_token:
        wanted[settings.slack_bot_token]
        if settings.slack_channel:
            wanted[settings.slack_bot_token].add(settings.slack_channel)
    for workspace_id in await Workspace.all().values_list("id", flat=True):
        target = await target_for(settings, uuid.UUID(str(workspace_id)))
        if target is None:
            continue
        if target.default_channel:
            wanted[target.token].add(target.default_channel)
        accounts = PlatformAccount.filter(workspace_id=workspace_id, is_active=True)
        for channel in await accounts.values_list("slack_channel", flat=True):
            if channel:
                wanted[target.token].add(str(channel))
    return wanted


async def _check_bot(settings: Settings, token: str, channels: set[str]) -> list[Finding]:
    client = slack_client(settings, token)
    try:
        identity = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        return [
            Finding(
                "Slack bot",
                "fail",
                f"auth.test refused the token: {error}",
                "reinstall the Slack app and set the new bot token",
            )
        ]
    team = identity.get("team") or identity.get("team_id")
    found = [Finding(f"Slack bot of {team}", "ok", f"signed in as {identity.get('user')}")]
    for channel in sorted(channels):
        found.append(await _check_channel(client, channel, str(team)))
    return found


async def _check_channel(client: AsyncWebClient, channel: str, team: str) -> Finding:
    name = f"Slack channel {channel} ({team})"
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        return Finding(
            name, "fail", f"cannot be read: {error}", "use a channel id (C…) the bot can see"
        )
    data = info.get("channel") or {}
    if data.get("is_archived"):
        return Finding(name, "fail", "is archived", "pick another channel")
    if not data.get("is_member"):
        return Finding(
            name,
            "fail",
            "the bot is not a member, so posting there fails",
            f"in Slack, /invite @cahts in #{data.get('name') or channel}",
        )
    return Finding(name, "ok", "the bot is a member")


async def slack_findings(settings: Settings) -> list[Finding]:
    """Every bot cahts posts with, and its channels (needs the database open)."""
    if not settings.slack_enabled:
        return []
    found: list[Finding] = []
    for token, channels in (await _channels(settings)).items():
        try:
            found.extend(await _check_bot(settings, token, channels))
        except Exception as exc:  # unreachable API: say so, go on with the next bot
            found.append(
                Finding(
                    "Slack API",
                    "fail",
                    f"unreachable: {type(exc).__name__}",
                    "check SLACK_API_URL and the network",
                )
            )
    return found
