"""Which Slack bot serves which cahts workspace: its own OAuth install, else SLACK_BOT_TOKEN.

A workspace installed through OAuth posts only with its installation's bot token. The
single-workspace SLACK_BOT_TOKEN serves the workspaces tied to no Slack team (or to that
token's own team), so one workspace's conversations never reach another team's Slack.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.client import slack_client
from inbox.models import SlackInstallation, Workspace
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import Settings

log = logging.getLogger(__name__)

_legacy: dict[str, dict[str, Any]] = {}  # SLACK_BOT_TOKEN → its auth.test answer (asked once)


@dataclass(frozen=True, slots=True)
class SlackTarget:
    """How to reach a workspace's Slack: the bot token and the channel new threads go to."""

    token: str
    default_channel: str | None
    installed: bool


async def legacy_identity(settings: Settings) -> dict[str, Any] | None:
    """SLACK_BOT_TOKEN's auth.test answer (team, bot ids), asked once per process."""
    token = settings.slack_bot_token
    if not token:
        return None
    if token in _legacy:
        return _legacy[token]
    try:
        response = await slack_client(settings).auth_test()
    except (SlackApiError, SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("auth.test with SLACK_BOT_TOKEN failed: %s", exc)
        return None
    if not isinstance(response.get("team_id"), str) or not response.get("team_id"):
        return None
    _legacy[token] = dict(response.data) if isinstance(response.data, dict) else {}
    return _legacy[token]


async def legacy_team(settings: Settings) -> str | None:
    """The Slack team of SLACK_BOT_TOKEN, None when unknown."""
    identity = await legacy_identity(settings)
    return str(identity["team_id"]) if identity else None


async def installation_of(workspace_id: uuid.UUID | str) -> SlackInstallation | None:
    """The workspace's newest OAuth installation, if any."""
    return (
        await SlackInstallation.filter(workspace_id=workspace_id).order_by("-installed_at").first()
    )


async def target_for(
    settings: Settings, workspace_id: uuid.UUID | str, cipher: TokenCipher | None = None
) -> SlackTarget | None:
    """The bot that serves this workspace, or None: then nothing of it goes to Slack."""
    workspace = await Workspace.get_or_none(id=workspace_id)
    if workspace is None:
        return None
    install = await installation_of(workspace.id)
    if install is not None:
        try:
            token = (cipher or TokenCipher(settings.token_encryption_keys)).decrypt(
                install.bot_token
            )
        except TokenDecryptError:
            log.error("the Slack bot token of workspace %s cannot be decrypted", workspace.id)
            return None
        return SlackTarget(token, install.default_channel, True)
    if not settings.slack_bot_token:
        return None
    if workspace.slack_team_id and workspace.slack_team_id != await legacy_team(settings):
        return None  # tied to a team whose install is gone: never post into another team
    return SlackTarget(settings.slack_bot_token, settings.slack_channel, False)


async def unserved_workspaces(settings: Settings) -> list[uuid.UUID]:
    """Workspaces no Slack bot serves: their Slack work waits for an install."""
    installed = {
        uuid.UUID(str(w))
        for w in await SlackInstallation.all().values_list("workspace_id", flat=True)
    }
    if not settings.slack_bot_token:
        every = await Workspace.all().values_list("id", flat=True)
        return [w for w in (uuid.UUID(str(v)) for v in every) if w not in installed]
    tied = [
        (uuid.UUID(str(w)), team)
        for w, team in await Workspace.filter(slack_team_id__isnull=False).values_list(
            "id", "slack_team_id"
        )
        if uuid.UUID(str(w)) not in installed
    ]
    if not tied:
        return []
    legacy = await legacy_team(settings)
    return [w for w, team in tied if team != legacy]
