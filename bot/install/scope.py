"""Which Slack team a request comes from, its bot token, and what it may see of cahts.

Bolt asks `WorkspaceAuthorize` for every request: a team installed through OAuth gets its
installation's bot and sees only its own cahts workspace; the team of SLACK_BOT_TOKEN sees
only the one workspace that token serves (`legacy_workspace`). Any other team is refused.
Listeners read the scope from the context (`scope_of`) and look conversations up only
through it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from bot.install.workspaces import legacy_identity, legacy_workspace
from inbox.models import Conversation, Message, PlatformAccount, SlackInstallation
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import Settings

log = logging.getLogger(__name__)

SCOPE_KEY = "cahts_scope"


@dataclass(frozen=True, slots=True)
class TeamScope:
    """The cahts workspaces one Slack team may see and act on."""

    team_id: str
    workspace_id: uuid.UUID | None  # None: SLACK_BOT_TOKEN's team while it serves no workspace

    def _visible(self) -> Q:
        """Rows (conversations, messages) of the one workspace this team serves."""
        if self.workspace_id is not None:
            return Q(workspace_id=self.workspace_id)
        return Q(workspace_id__isnull=True)  # every row has a workspace: this matches none

    def conversations(self) -> QuerySet[Conversation]:
        """This team's conversations."""
        return Conversation.filter(self._visible())

    def messages(self) -> QuerySet[Message]:
        """This team's messages."""
        return Message.filter(self._visible())

    def accounts(self) -> QuerySet[PlatformAccount]:
        """This team's platform accounts."""
        return PlatformAccount.filter(self._visible())

    async def conversation(self, conversation_id: str | uuid.UUID) -> Conversation | None:
        """One of this team's conversations by id (None for a bad id or another team's)."""
        try:
            key = uuid.UUID(str(conversation_id))
        except ValueError:
            return None
        return await self.conversations().filter(id=key).first()

    async def thread(self, channel: str, thread_ts: str) -> Conversation | None:
        """The conversation of this team mirrored to a thread, if any."""
        return (
            await self.conversations()
            .filter(slack_channel=channel, slack_thread_ts=thread_ts)
            .first()
        )


def scope_of(context: Mapping[str, Any]) -> TeamScope | None:
    """The scope WorkspaceAuthorize put on this request's context."""
    scope = context.get(SCOPE_KEY)
    return scope if isinstance(scope, TeamScope) else None


class WorkspaceAuthorize(AsyncAuthorize):
    """Bolt authorize: the team's own installation, else SLACK_BOT_TOKEN for its own team."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.cipher = TokenCipher(settings.token_encryption_keys)

    async def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        """The bot to answer this team with, and its scope on the context; None refuses."""
        if not isinstance(team_id, str) or not team_id or len(team_id) > 32:
            return None  # no team, or not an id Slack gives (the column holds 32)
        install = await SlackInstallation.get_or_none(team_id=team_id)
        if install is not None:
            try:
                token = self.cipher.decrypt(install.bot_token)
            except TokenDecryptError:
                log.error("the bot token of Slack team %s cannot be decrypted", team_id)
                return None
            context[SCOPE_KEY] = TeamScope(team_id, install.workspace_id)
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                team=install.team_name,
                bot_user_id=install.bot_user_id,
                bot_id=install.bot_id,
                bot_token=token,
                bot_scopes=install.bot_scopes,
                user_id=user_id,
            )
        identity = await legacy_identity(self.settings)
        if identity is None or identity.get("team_id") != team_id:
            log.warning("a request from Slack team %s, which cahts does not serve", team_id)
            return None
        context[SCOPE_KEY] = TeamScope(team_id, await legacy_workspace(self.settings))
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            team=identity.get("team"),
            bot_user_id=identity.get("user_id"),
            bot_id=identity.get("bot_id"),
            bot_token=self.settings.slack_bot_token,
            user_id=user_id,
        )
