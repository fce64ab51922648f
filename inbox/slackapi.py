"""The Slack Web API client: SLACK_API_URL, retrying 429 (Retry-After), 5xx, lost connections."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from inbox.metrics import SLACK_CALLS
from inbox.settings import Settings


class CountingWebClient(AsyncWebClient):
    """AsyncWebClient that counts every call by method and outcome."""

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
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


def slack_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """An AsyncWebClient on SLACK_API_URL (bot token by default) that honours Retry-After."""
    return CountingWebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
        ],
    )
