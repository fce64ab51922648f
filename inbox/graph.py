"""The Graph API client: every call goes to META_GRAPH_URL, errors become GraphError.

GraphError lives with the adapters (inbox.platforms.graphapi), which raise and read it too.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from inbox.metrics import GRAPH_CALLS
from inbox.platforms.graphapi import GraphError
from inbox.platforms.outbound import SendErrorKind

log = logging.getLogger(__name__)


def _error_from(status: int, body: Any) -> GraphError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return GraphError(status, f"HTTP {status}")
    code = error.get("code")
    subcode = error.get("error_subcode")
    return GraphError(
        status,
        str(error.get("message") or f"HTTP {status}")[:500],
        code if isinstance(code, int) else None,
        subcode if isinstance(subcode, int) else None,
    )


class GraphClient:
    """A small async client for graph.facebook.com (or a local fake in tests)."""

    def __init__(self, base_url: str, *, timeout: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One Graph call; returns the JSON object or raises GraphError."""
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with self._client().request(
                method, url, params=params, json=json, headers=headers
            ) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                if response.status >= 400:
                    raise _error_from(response.status, body)
        except GraphError as exc:
            GRAPH_CALLS.labels(str(exc.kind)).inc()
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            GRAPH_CALLS.labels("no_answer").inc()
            raise GraphError(0, f"no answer from the Graph API: {type(exc).__name__}") from exc
        if not isinstance(body, dict):
            GRAPH_CALLS.labels("not_json").inc()
            raise GraphError(response.status, "the Graph API answered with something not JSON")
        GRAPH_CALLS.labels("ok").inc()
        return body

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """GET a Graph path."""
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """POST to a Graph path."""
        return await self.call("POST", path, **kwargs)


__all__ = ["GraphClient", "GraphError", "SendErrorKind"]
