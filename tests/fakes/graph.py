"""A local fake of the Graph API: records every request, answers like Meta, can be scripted."""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    authorization: str | None


@dataclass
class Scripted:
    """A canned answer: status and JSON body."""

    status: int
    body: dict[str, Any]


def graph_error(
    code: int, message: str = "error", status: int = 400, subcode: int | None = None
) -> Scripted:
    """An answer shaped like a Graph API error."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Scripted(status, {"error": error})


def conversations_page(
    page_id: str, customer_id: str, mid: str, age_minutes: int = 1
) -> dict[str, Any]:
    """A one-conversation Conversations API page whose message was written `age_minutes` ago."""
    written = (datetime.now(UTC) - timedelta(minutes=age_minutes)).strftime(
        "%Y-%m-%dT%H:%M:%S+0000"
    )
    customer = {"name": "Jordan Smith", "id": customer_id}
    return {
        "data": [
            {
                "id": f"t_{customer_id}",
                "updated_time": written,
                "messages": {
                    "data": [
                        {
                            "id": mid,
                            "created_time": written,
                            "from": customer,
                            "to": {"data": [{"name": "Shop", "id": page_id}]},
                            "message": "Anyone there?",
                        }
                    ]
                },
            }
        ],
        "paging": {"cursors": {"after": "END"}},
    }


@dataclass
class FakeGraph:
    """Serves /{id}/messages and whatever routes tests add; `url` ends without a slash."""

    requests: list[Recorded] = field(default_factory=list)
    scripts: dict[str, deque[Scripted]] = field(default_factory=lambda: defaultdict(deque))
    routes: dict[str, Any] = field(default_factory=dict)
    server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        """Base URL to use as META_GRAPH_URL (version included)."""
        assert self.server is not None
        return str(self.server.make_url("/v21.0")).rstrip("/")

    def script(self, method: str, path: str, *answers: Scripted) -> None:
        """Queue answers for `METHOD /path` (path without the version), used before defaults."""
        self.scripts[f"{method} {path}"].extend(answers)

    def serve_pages(self, path_suffix: str, *pages: dict[str, Any]) -> None:
        """Answer `GET …path_suffix` with cursor-paged bodies: the first, then by `after`."""
        by_cursor: dict[str | None, dict[str, Any]] = {None: pages[0]}
        for before, page in itertools.pairwise(pages):
            by_cursor[before["paging"]["cursors"]["after"]] = page

        async def handler(request: web.Request, path: str, body: Any) -> web.Response:
            page = by_cursor.get(request.query.get("after"))
            if page is None:
                return web.json_response(graph_error(100, "unknown cursor").body, status=400)
            return web.json_response(page)

        self.routes[f"GET {path_suffix}"] = handler

    def serve_templates(self, waba_id: str, *pages: dict[str, Any]) -> None:
        """`GET /{waba-id}/message_templates` in Meta's pages; past the last, an empty page."""
        self.serve_pages(f"/{waba_id}/message_templates", *pages, {"data": []})

    def got(self, path_suffix: str) -> list[Recorded]:
        """GETs whose path ends with the suffix."""
        return [r for r in self.requests if r.method == "GET" and r.path.endswith(path_suffix)]

    def sent(self, path_suffix: str = "/messages") -> list[Recorded]:
        """POSTs whose path ends with the suffix."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith(path_suffix)]

    async def _handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        try:
            body = await request.json() if request.can_read_body else None
        except ValueError:
            body = (await request.post()) or None
            body = dict(body) if body else None
        self.requests.append(
            Recorded(
                request.method,
                path,
                dict(request.query),
                body,
                request.headers.get("Authorization"),
            )
        )
        key = f"{request.method} {path}"
        if self.scripts.get(key):
            answer = self.scripts[key].popleft()
            return web.json_response(answer.body, status=answer.status)
        for pattern, handler in self.routes.items():
            method, _, suffix = pattern.partition(" ")
            if method == request.method and (path == suffix or path.endswith(suffix)):
                return await handler(request, path, body)
        if request.method == "POST" and path.endswith("/messages"):
            return web.json_response(self._send_answer(body))
        return web.json_response(graph_error(100, f"unknown path {path}").body, status=404)

    def _send_answer(self, body: Any) -> dict[str, Any]:
        n = next(self._ids)
        if isinstance(body, dict) and body.get("messaging_product") == "whatsapp":
            return {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": f"wamid.FAKE{n:06d}"}],
            }
        recipient = body.get("recipient", {}).get("id") if isinstance(body, dict) else None
        return {"recipient_id": recipient, "message_id": f"m_FAKE{n:06d}"}

    async def start(self) -> FakeGraph:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application()
        app.router.add_route("*", "/v21.0/{path:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self.server is not None:
            await self.server.close()
