"""Installing cahts into Slack workspaces: install links, the OAuth flow, and its pages.

An install starts from a link made for one cahts workspace (`cahts slack-install-link`, or
the dashboard): `/slack/install?ticket=…` (signed, one hour). Bolt's flow then sends the
browser to Slack with a fresh `state` bound to that workspace, and `/slack/oauth_redirect`
stores the team's bot (bot/install/store.py) and ties the Slack team to the workspace.
"""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.state_utils import OAuthStateUtils

from bot.install.manifest import INSTALL_SCOPES
from bot.install.store import (
    STATE_TTL,
    InstallRefused,
    TortoiseInstallationStore,
    TortoiseStateStore,
)
from bot.slack.signed import sign, verify
from inbox.models import User, Workspace
from inbox.settings import Settings

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
TICKET_LIFETIME = timedelta(hours=1)
_PURPOSE = b"cahts slack install links"
_AUDIENCE = "cahts:slack-install"

# Why an install did not finish, in words (Bolt's failure reasons).
_REASONS = {
    "access_denied": (200, "The installation was cancelled in Slack. Nothing was changed."),
    "invalid_browser": (
        400,
        "This browser did not start the installation (or blocks its cookie): "
        "open the install link again in this browser.",
    ),
    "invalid_state": (
        401,
        "This installation attempt expired or was already used: open the install link again.",
    ),
    "missing_code": (400, "Slack sent no authorization code: open the install link again."),
    "invalid_code": (
        401,
        "Slack did not accept the authorization code: open the install link again.",
    ),
}


def install_link(
    settings: Settings,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> str:
    """A link that installs cahts into a Slack workspace for this cahts workspace (1 hour)."""
    claims = {"w": str(workspace_id), **({"u": str(user_id)} if user_id else {})}
    ticket = sign(
        settings,
        _PURPOSE,
        _AUDIENCE,
        claims,
        now=now or datetime.now(UTC),
        lifetime=TICKET_LIFETIME,
    )
    return f"{settings.public_url}{INSTALL_PATH}?ticket={ticket}"


def read_ticket(
    settings: Settings, ticket: str | None
) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """The workspace (and user) an install ticket names, or None when forged or expired."""
    claims = verify(settings, _PURPOSE, _AUDIENCE, ticket) if ticket else None
    if claims is None:
        return None
    try:
        user = uuid.UUID(str(claims["u"])) if claims.get("u") else None
        return uuid.UUID(str(claims.get("w"))), user
    except ValueError:
        return None


def page(title: str, text: str, status: int = 200, cookie: str | None = None) -> BoltResponse:
    """A small HTML page for the person installing."""
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>cahts</title></head>"
        "<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8"}
    if cookie:
        headers["Set-Cookie"] = [cookie]
    return BoltResponse(status=status, body=body, headers=headers)


def _query(request: AsyncBoltRequest, name: str) -> str | None:
    values = request.query.get(name)
    return values[0] if values else None


class CahtsOAuthFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, with the install bound to the cahts workspace its link names."""

    def __init__(self, app_settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app_settings = app_settings

    async def handle_installation(self, request: AsyncBoltRequest) -> BoltResponse:
        """Send the browser to Slack, if the link is valid."""
        invalid = page(
            "This install link is not valid",
            "It is missing, altered or older than an hour. Make a new one with "
            "`cahts slack-install-link --workspace <name>` (or from the dashboard).",
            status=400,
        )
        if read_ticket(self.app_settings, _query(request, "ticket")) is None:
            return invalid
        try:
            return await super().handle_installation(request)
        except InstallRefused:
            return invalid

    async def issue_new_state(self, request: AsyncBoltRequest) -> str:
        """A state bound to the ticket's workspace and user."""
        named = read_ticket(self.app_settings, _query(request, "ticket"))
        if named is None:  # handle_installation checked it; a clock edge is possible
            raise InstallRefused("the install link expired")
        workspace_id, user_id = named
        if not await Workspace.exists(id=workspace_id):
            raise InstallRefused("the cahts workspace of this install link no longer exists")
        if user_id is not None and not await User.exists(id=user_id, workspace_id=workspace_id):
            user_id = None
        return await self.settings.state_store.async_issue(
            workspace_id=workspace_id, user_id=user_id
        )

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        """Store the bot for the workspace the (consumed) state was issued for."""
        state_store = self.settings.state_store
        installation_store = self.settings.installation_store
        assert isinstance(state_store, TortoiseStateStore)
        assert isinstance(installation_store, TortoiseInstallationStore)
        workspace_id = await state_store.workspace_of(_query(request, "state") or "")
        if workspace_id is None:
            raise InstallRefused("this installation attempt is unknown; open the link again")
        await installation_store.save_for(installation, workspace_id)


async def _succeeded(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.incoming_webhook_channel
    text = f"cahts is now installed in the Slack workspace {installation.team_name or ''}. "
    text += (
        f"New conversations appear as threads in {where}. "
        if where
        else "Give each account a channel (cahts account add … --slack-channel C…). "
    )
    text += "Invite the bot to every channel it posts in (/invite @cahts)."
    return page("Installed", text, cookie=args.settings.state_utils.build_set_cookie_for_deletion())


async def _failed(args: AsyncFailureArgs) -> BoltResponse:
    if isinstance(args.error, InstallRefused):
        status, text = 409, f"Not installed: {args.error}."
    else:
        status, text = _REASONS.get(
            args.reason,
            (500, "Not installed: cahts could not store the installation; try again later."),
        )
    cookie = args.settings.state_utils.build_set_cookie_for_deletion()
    return page("Slack installation", text, status=status, cookie=cookie)


def oauth_flow(settings: Settings, installation_store: TortoiseInstallationStore) -> CahtsOAuthFlow:
    """The OAuth flow for SLACK_CLIENT_ID/SECRET, on our stores and PUBLIC_URL."""
    oauth_settings = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(INSTALL_SCOPES),
        user_scopes=[],
        redirect_uri=f"{settings.public_url}{REDIRECT_PATH}",
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,
        callback_options=AsyncCallbackOptions(success=_succeeded, failure=_failed),
        installation_store=installation_store,
        state_store=TortoiseStateStore(),
        state_cookie_name=OAuthStateUtils.default_cookie_name,
        state_expiration_seconds=int(STATE_TTL.total_seconds()),
    )
    return CahtsOAuthFlow(settings, settings=oauth_settings)
