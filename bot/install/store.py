"""Slack OAuth storage on our database: installations (tokens encrypted) and `state` values.

One row per Slack team in `slack_installations`, tied to one cahts workspace (whose
`slack_team_id` names the team). `state` values reuse the `oauth_states` table
(platform "slack"): random, stored hashed, single-use, short-lived, bound to the
workspace (and the user, when one started the install) that the install link named.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from tortoise.transactions import in_transaction

from inbox.models import OAuthState, SlackInstallation, Workspace
from inbox.services.accounts.crypto import TokenCipher

log = logging.getLogger(__name__)

STATE_PLATFORM = "slack"
STATE_TTL = timedelta(minutes=10)


class InstallRefused(BoltError):
    """An install cahts will not store; the message is for the person installing."""


def _scopes(value: Any) -> str:
    if isinstance(value, str):
        return value
    return ",".join(str(v) for v in value or [])


class TortoiseInstallationStore(AsyncInstallationStore):
    """Bot installations per Slack team, bot tokens Fernet-encrypted."""

    def __init__(self, cipher: TokenCipher) -> None:
        self.cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        """The store's logger."""
        return log

    async def async_save(self, installation: Installation) -> None:
        """A reinstall into the workspace the team is already tied to."""
        await self.save_for(installation, None)

    async def save_for(
        self, installation: Installation, workspace_id: uuid.UUID | None
    ) -> SlackInstallation:
        """Store an install for the workspace its link named (None: the team's own, if tied)."""
        team = installation.team_id
        if installation.is_enterprise_install or not team:
            raise InstallRefused("org-wide installs are not supported: install into one workspace")
        if not installation.bot_token:
            raise InstallRefused("Slack did not grant a bot token; install the app again")
        async with in_transaction():
            tied = await Workspace.filter(slack_team_id=team).select_for_update().first()
            workspace = await self._workspace(tied, workspace_id, team)
            existing = await SlackInstallation.get_or_none(team_id=team)
            fields: dict[str, Any] = {
                "workspace_id": workspace.id,
                "team_id": team,
                "team_name": (installation.team_name or "")[:200],
                "enterprise_id": installation.enterprise_id,
                "app_id": installation.app_id,
                "bot_token": self.cipher.encrypt(installation.bot_token),
                "bot_id": installation.bot_id,
                "bot_user_id": installation.bot_user_id,
                "bot_scopes": _scopes(installation.bot_scopes),
                "installer_user_id": installation.user_id,
                "default_channel": installation.incoming_webhook_channel_id
                or (existing.default_channel if existing else None),
            }
            await Workspace.filter(id=workspace.id).update(slack_team_id=team)
            if existing is not None:
                await SlackInstallation.filter(id=existing.id).update(
                    **fields, installed_at=datetime.now(UTC)
                )
                return await SlackInstallation.get(id=existing.id)
            return await SlackInstallation.create(**fields)

    @staticmethod
    async def _workspace(
        tied: Workspace | None, workspace_id: uuid.UUID | None, team: str
    ) -> Workspace:
        if workspace_id is None:
            if tied is None:
                raise InstallRefused(
                    "this Slack workspace is not connected to cahts yet: "
                    "install from a link made with `cahts slack-install-link`"
                )
            return tied
        workspace = await Workspace.filter(id=workspace_id).select_for_update().first()
        if workspace is None:
            raise InstallRefused("the cahts workspace of this install link no longer exists")
        if tied is not None and tied.id != workspace.id:
            raise InstallRefused(
                "this Slack workspace is already connected to another cahts workspace"
            )
        if workspace.slack_team_id not in (None, team):
            raise InstallRefused(
                "this cahts workspace is already connected to another Slack workspace"
            )
        return workspace

    def _bot(self, row: SlackInstallation) -> Bot:
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=self.cipher.decrypt(row.bot_token),
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The bot installed in a team."""
        row = await SlackInstallation.get_or_none(team_id=team_id) if team_id else None
        return self._bot(row) if row is not None else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The team's installation (bot only: cahts asks for no user tokens)."""
        row = await SlackInstallation.get_or_none(team_id=team_id) if team_id else None
        if row is None or (user_id is not None and user_id != row.installer_user_id):
            return None
        bot = self._bot(row)
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=row.installer_user_id or "",
            incoming_webhook_channel_id=row.default_channel,
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The bot token was revoked: forget it (the team's workspace stays tied to it)."""
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """A user token was revoked: cahts keeps none, so only a whole-install delete acts."""
        if user_id is None:
            await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The app was uninstalled: nothing of that team's workspace goes to Slack any more."""
        if team_id:
            deleted = await SlackInstallation.filter(team_id=team_id).delete()
            if deleted:
                log.warning("Slack team %s uninstalled cahts; its threads stop", team_id)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class TortoiseStateStore(AsyncOAuthStateStore):
    """OAuth `state` values in oauth_states, each bound to the workspace being connected."""

    @property
    def logger(self) -> logging.Logger:
        """The store's logger."""
        return log

    async def async_issue(
        self,
        *args: Any,
        workspace_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> str:
        """A new random state for an install into this workspace."""
        if workspace_id is None:
            raise InstallRefused("an install must name the cahts workspace it connects")
        state = secrets.token_urlsafe(32)
        await OAuthState.create(
            state_hash=_hash(state),
            user_id=user_id,
            workspace_id=workspace_id,
            platform=STATE_PLATFORM,
            expires_at=datetime.now(UTC) + STATE_TTL,
        )
        return state

    async def async_consume(self, state: str) -> bool:
        """Use a state once, before it expires."""
        if not state or len(state) > 200:
            return False
        now = datetime.now(UTC)
        used = await OAuthState.filter(
            state_hash=_hash(state),
            platform=STATE_PLATFORM,
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(used_at=now)
        return used == 1

    async def workspace_of(self, state: str) -> uuid.UUID | None:
        """The workspace a (consumed) state was issued for."""
        row = await OAuthState.get_or_none(state_hash=_hash(state), platform=STATE_PLATFORM)
        return row.workspace_id if row is not None else None
