"""What adapters need of a Graph API client, and the error it raises; no HTTP here."""

from __future__ import annotations

from typing import Any, Protocol

from inbox.platforms.outbound import EXPLANATIONS, RETRYABLE, classify


class GraphError(Exception):
    """A Graph API call failed: HTTP status (0 = no answer), Meta's code, and what it means."""

    def __init__(
        self, status: int, message: str, code: int | None = None, subcode: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.subcode = subcode
        self.message = message
        self.kind = classify(status, code)

    @property
    def retryable(self) -> bool:
        """True for throttling and temporary failures."""
        return self.kind in RETRYABLE

    def explain(self) -> str:
        """The failure in words an agent understands, with Meta's own text after it."""
        detail = f" (Meta: {self.message}" + (f", code {self.code})" if self.code else ")")
        return EXPLANATIONS[self.kind] + detail


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
