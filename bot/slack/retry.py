"""How the Slack client retries: 429 always, 5xx and lost connections only when it is safe.

Slack may have posted a message before answering 5xx or losing the connection ("some aspect
of the operation succeeded before the error"). Retrying such a post blindly posts it twice,
so posting methods are retried only when the request never left (the connection could not be
made); the Slack mirror finds a post that did land by its metadata before posting again.
"""

from __future__ import annotations

from aiohttp import ClientConnectorError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

POSTING = frozenset({"chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal"})


def posts(request: HttpRequest) -> bool:
    """True for a call that creates a message (a retry could create a second one)."""
    return request.url.rstrip("/").rsplit("/", 1)[-1] in POSTING


class SafeServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """Retries 500/503, except for posting calls."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if posts(request):
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class SafeConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """Retries lost connections; posting calls only when the connection was never made."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if posts(request) and not isinstance(error, ClientConnectorError):
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def retry_handlers() -> list[AsyncRetryHandler]:
    """The handlers every Slack client gets."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=5),
        SafeServerErrorRetryHandler(max_retry_count=3),
        SafeConnectionErrorRetryHandler(max_retry_count=3),
    ]
