"""The Slack Web API client: SLACK_API_URL, retrying 429 (Retry-After), 5xx, lost connections.

Posting calls are not retried after a 5xx or a dropped connection (bot/slack/retry.py).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.retry import retry_handlers
from inbox.metrics import SLACK_CALLS
from inbox.settings import Settings

SLACK_TIMEOUT = 30  # seconds per call, slack_sdk's default


class CountingWebClient(AsyncWebClient):
    """AsyncWebClient that counts every call by method and outcome."""

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        """Make the call and count it."""
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            SLACK_CALLS.labels(api_method, str(exc.response.get("error", "error"))[:40]).inc()
            raise
        except Exception:
            SLACK_CALLS.labels(api_method, "no_answer").inc()
            raise
        SLACK_CALLS.labels(api_method, "ok").inc()
        return response


def slack_client(
    settings: Settings, token: str | None = None, *, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """An AsyncWebClient on SLACK_API_URL (bot token by default) that honours Retry-After.

    Without a session slack_sdk opens (and closes) a new connection for every call; a
    long-lived client should get one (`keepalive_session`) and close it (`close_client`).
    """
    return CountingWebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=SLACK_TIMEOUT,
        retry_handlers=retry_handlers(),
    )


def keepalive_session() -> aiohttp.ClientSession:
    """A connection pool for a long-lived Slack client: calls reuse open connections."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT))


async def close_client(client: AsyncWebClient | None) -> None:
    """Close a long-lived client's connection pool (nothing to do without one)."""
    if client is not None and client.session is not None and not client.session.closed:
        await client.session.close()
