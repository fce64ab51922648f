"""What adapters need of their API client, and the error it raises; no HTTP here.

The client speaks the Graph API (`call`, `get`, `post`) and, for a platform whose API is
not Graph, that API by name (`request`, base URLs from settings), so an adapter never sees
configuration or an HTTP library.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from inbox.platforms.outbound import EXPLANATIONS, RETRYABLE, classify


class GraphError(Exception):
    """A platform API call failed: HTTP status (0 = no answer), the platform's code, meaning.

    `source` names who refused ("Meta" for the Graph API); an adapter may give its own
    `explanation` in an agent's words and a `retry_after` (seconds) the platform asked for.
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: int | None = None,
        subcode: int | None = None,
        *,
        source: str = "Meta",
        explanation: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.subcode = subcode
        self.message = message
        self.source = source
        self.explanation = explanation
        self.retry_after = retry_after
        self.kind = classify(status, code)

    @property
    def retryable(self) -> bool:
        """True for throttling and temporary failures."""
        return self.kind in RETRYABLE

    def explain(self) -> str:
        """The failure in words an agent understands, with Meta's own text after it."""
        detail = f" ({self.source}: {self.message}" + (f", code {self.code})" if self.code else ")")
        return (self.explanation or EXPLANATIONS[self.kind]) + detail


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file the client holds on disk for an upload: its name, type, size and open handle."""

    name: str
    mime_type: str
    size: int
    handle: BinaryIO


class GraphApi(Protocol):
    """The Graph client an adapter is handed (inbox.graph.GraphClient, or a test double)."""

    base_url: str

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One call; the JSON object answered, or GraphError."""
        ...

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """GET a Graph path."""
        ...

    async def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """POST to a Graph path."""
        ...

    def api_url(self, api: str) -> str:
        """The base URL of a platform API by name (e.g. "telegram"); GraphError if unknown."""
        ...

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
        """One call to a named API: the HTTP status and the JSON answered (None if not JSON).

        With `form` or `files` the body is multipart/form-data instead of JSON.
        GraphError(0, …) only when there was no answer; the adapter reads the rest.
        """
        ...

    def open_file(self, url: str, max_bytes: int) -> AbstractAsyncContextManager[LocalFile] | None:
        """The file a cahts link names (one an agent shared in Slack), for an upload.

        None when the client cannot open that URL itself (the adapter then sends the link).
        Entering it fetches the file to disk; GraphError(413, …) past `max_bytes`.
        """
        ...
