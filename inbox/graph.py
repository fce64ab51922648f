"""The Graph API client: every call goes to META_GRAPH_URL, errors become GraphError.

Only ids and edges become paths, and a full URL is called only on a Graph host (META_GRAPH_URL's
origin, or Instagram's Graph host for it), so a token never leaves them.

GraphError lives with the adapters (inbox.platforms.graphapi), which raise and read it too.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from inbox.metrics import GRAPH_CALLS
from inbox.netguard import origin
from inbox.platforms.graphapi import GraphError, LocalFile
from inbox.platforms.instagram import instagram_graph_url
from inbox.platforms.outbound import SendErrorKind

log = logging.getLogger(__name__)
_SEGMENT = r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*"  # ids, edges, v21.0; never "." or ".."
GRAPH_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


# A file upload may take longer than a JSON call; the send's own bound still applies.
_UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=600, sock_connect=10, sock_read=60)


@dataclass(frozen=True, slots=True)
class FileStream:
    """A file being read from where cahts keeps it (Slack): its name, type and bytes."""

    name: str
    mime_type: str
    chunks: AsyncIterator[bytes]


# Opens the file a cahts link names, or None for a URL it does not know (wired by the roots).
FileOpener = Callable[[str], AbstractAsyncContextManager[FileStream] | None]


def _error_from(status: int, body: Any) -> GraphError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return GraphError(status, f"HTTP {status}")
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message") or f"HTTP {status}")
    # WhatsApp says what exactly is wrong in error_data.details ("template name (x) does not
    # exist in en_US"): the agent reads it after Meta's title.
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    if isinstance(details, str) and details and details not in message:
        message = f"{message}: {details}"
    return GraphError(
        status,
        message[:500],
        code if isinstance(code, int) else None,
        subcode if isinstance(subcode, int) else None,
    )


class GraphClient:
    """A small async client for graph.facebook.com (or a local fake in tests)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 20.0,
        apis: Mapping[str, str] | None = None,
        files: FileOpener | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.apis = {name: url.rstrip("/") for name, url in (apis or {}).items()}
        self._files = files
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def url_for(self, path: str) -> str:
        """The URL of a Graph path, or of a full URL on a Graph host; GraphError otherwise."""
        if "://" in path or path.startswith("//"):
            instagram = instagram_graph_url(self.base_url)
            found = origin(path)
            if found is None or found not in (origin(self.base_url), origin(instagram)):
                raise GraphError(400, "refused: only the Graph API's own hosts are called")
            return path
        relative = path.lstrip("/")
        if not GRAPH_PATH.fullmatch(relative):
            raise GraphError(400, f"refused: {relative[:80]!r} is not a Graph id or path")
        return f"{self.base_url}/{relative}"

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
        try:
            url = self.url_for(path)
        except GraphError:
            GRAPH_CALLS.labels("refused").inc()
            raise
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

    @property
    def trusted(self) -> tuple[str, ...]:
        """The API origins a download may come from besides Meta's media hosts."""
        return (self.base_url, *self.apis.values())

    def api_url(self, api: str) -> str:
        """The base URL of a named platform API (settings' `api_urls`)."""
        if api not in self.apis:
            raise GraphError(0, f"no base URL is configured for the {api} API")
        return self.apis[api]

    async def request(
        self,
        api: str,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        files: Mapping[str, LocalFile] | None = None,
    ) -> tuple[int, Any]:
        """One call to a named API (JSON, or multipart with a form or files); status and JSON."""
        if not GRAPH_PATH.fullmatch(path.lstrip("/").replace(":", "_")):
            # Not echoed: a Bot API path holds the bot's token.
            raise GraphError(400, f"refused: not a {api} API path")
        url = f"{self.api_url(api)}/{path.lstrip('/')}"
        multipart = form is not None or bool(files)
        body: dict[str, Any] = {"json": dict(json) if json is not None else None}
        if multipart:
            data = aiohttp.FormData()
            for name, value in (form or {}).items():
                data.add_field(name, value)
            for name, file in (files or {}).items():
                data.add_field(name, file.handle, filename=file.name, content_type=file.mime_type)
            body = {"data": data, "timeout": _UPLOAD_TIMEOUT}
        try:
            async with self._client().request(method, url, **body) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            GRAPH_CALLS.labels("no_answer").inc()
            raise GraphError(0, f"no answer from the {api} API: {type(exc).__name__}") from exc
        GRAPH_CALLS.labels("ok" if status < 400 else "refused").inc()
        return status, answer

    def open_file(self, url: str, max_bytes: int) -> AbstractAsyncContextManager[LocalFile] | None:
        """The file a cahts link names, fetched to disk for an upload; None if not ours."""
        stream = self._files(url) if self._files is not None else None
        return _spooled(stream, max_bytes) if stream is not None else None

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """GET a Graph path."""
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """POST to a Graph path."""
        return await self.call("POST", path, **kwargs)


@asynccontextmanager
async def _spooled(
    stream: AbstractAsyncContextManager[FileStream], max_bytes: int
) -> AsyncIterator[LocalFile]:
    """Copy a file to a temporary file (never into memory), refusing it past max_bytes."""
    with tempfile.TemporaryFile() as spool:
        size = 0
        try:
            async with stream as found:
                async for chunk in found.chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise GraphError(
                            413,
                            f"the file is larger than the {max_bytes // (1024 * 1024)} MB "
                            "this platform takes from a bot",
                            source="cahts",
                        )
                    spool.write(chunk)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise GraphError(0, f"the file could not be read: {type(exc).__name__}") from exc
        spool.seek(0)
        yield LocalFile(found.name, found.mime_type, size, spool)


__all__ = ["FileOpener", "FileStream", "GraphClient", "GraphError", "SendErrorKind"]
