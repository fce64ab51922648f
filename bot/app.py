"""The Bolt app: per-team authorization, OAuth installs, signing secret, and every listener."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot import listeners
from bot.install.oauth import oauth_flow
from bot.install.scope import WorkspaceAuthorize
from bot.install.store import TortoiseInstallationStore
from bot.slack.client import slack_client
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings


async def _skip_own_events(
    body: dict[str, Any], context: AsyncBoltContext, next: Any
) -> BoltResponse | None:
    """Drop our own bot's events, as Bolt would, except deletions of our posts (thread roots)."""
    event = body.get("event") if body.get("type") == "event_callback" else None
    if isinstance(event, dict) and event.get("subtype") != "message_deleted":
        ours = (event.get("user") and event.get("user") == context.bot_user_id) or (
            event.get("bot_id") and event.get("bot_id") == context.bot_id
        )
        if ours:
            return BoltResponse(status=200, body="")
    return await next()


def build_bolt_app(settings: Settings) -> AsyncApp | None:
    """The Bolt app for these settings, or None when Slack is not configured."""
    if not settings.slack_enabled:
        return None
    store = None
    flow = None
    if settings.slack_oauth:
        store = TortoiseInstallationStore(TokenCipher(settings.token_encryption_keys))
        flow = oauth_flow(settings, store)
    client = slack_client(settings)
    client.token = None  # WorkspaceAuthorize picks the requesting team's bot per request
    app = AsyncApp(
        name="cahts",
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Bolt accepts an AsyncAuthorize here although it types the argument as a function.
        authorize=WorkspaceAuthorize(settings),  # type: ignore[arg-type]  # see the line above
        installation_store=store,
        oauth_flow=flow,
        # Listeners run before Slack gets its 200, so what they must store is stored first.
        process_before_response=True,
        request_verification_enabled=bool(settings.slack_signing_secret),
        # Bolt would also drop `message_deleted` of our own thread roots; _skip_own_events doesn't.
        ignoring_self_events_enabled=False,
        logger=logging.getLogger("slack_bolt.cahts"),  # under slack_bolt: quiet with it
    )
    app.use(_skip_own_events)
    if store is not None:
        app.enable_token_revocation_listeners()
    listeners.register(app, settings)
    return app
