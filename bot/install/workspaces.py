"""Which Slack bot serves which cahts workspace: its own OAuth install, else SLACK_BOT_TOKEN.

A workspace installed through OAuth posts only with its installation's bot token. The
single-workspace SLACK_BOT_TOKEN serves exactly one workspace (`legacy_workspace`): the one
SLACK_WORKSPACE names, else the first one created. Every other workspace reaches Slack only
through an install of its own, so a workspace registered later never posts into the
operator's Slack, however it came to be.
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
_warned: set[str] = set()  # SLACK_WORKSPACE values already logged as naming no one workspace


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


async def legacy_workspace(settings: Settings) -> uuid.UUID | None:
    """The one workspace SLACK_BOT_TOKEN serves, or None (no token, no such workspace)."""
    if not settings.slack_bot_token:
        return None
    workspace = await _named_workspace(settings.slack_workspace)
    if workspace is None:
        return None
    if workspace.slack_team_id and workspace.slack_team_id != await legacy_team(settings):
        return None  # tied to another team through OAuth: that install serves it, or nothing
    return workspace.id


async def _named_workspace(name: str | None) -> Workspace | None:
    """The workspace SLACK_WORKSPACE names (id, else exact name), or the first one created."""
    if name is None:
        return await Workspace.all().order_by("created_at", "id").first()
    try:
        named = [w for w in [await Workspace.get_or_none(id=uuid.UUID(name))] if w is not None]
    except ValueError:
        named = await Workspace.filter(name=name).limit(2)
    if len(named) == 1:
        return named[0]
    if name not in _warned:
        _warned.add(name)
        log.error(
            "SLACK_WORKSPACE=%r names %s: SLACK_BOT_TOKEN serves no workspace until it names "
            "exactly one (by id, or by a name no other workspace has)",
            name,
            "several workspaces" if named else "no workspace",
        )
    return None


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
    if settings.slack_bot_token and await legacy_workspace(settings) == workspace.id:
        return SlackTarget(settings.slack_bot_token, settings.slack_channel, False)
    return None  # no install of its own: it waits for one, never borrowing SLACK_BOT_TOKEN


async def served_workspaces(settings: Settings) -> list[uuid.UUID]:
    """Workspaces some Slack bot serves (installed, or SLACK_BOT_TOKEN's); the rest wait."""
    served = {
        uuid.UUID(str(w))
        for w in await SlackInstallation.all().values_list("workspace_id", flat=True)
    }
    legacy = await legacy_workspace(settings)
    if legacy is not None:
        served.add(legacy)
    return sorted(served)
