"""The Slack Web API client: SLACK_API_URL, retrying 429 (Retry-After), 5xx and lost connections."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from inbox.settings import Settings


def slack_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """An AsyncWebClient on SLACK_API_URL (bot token by default) that honours Retry-After."""
    return AsyncWebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
        ],
    )
