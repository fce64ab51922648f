"""A local HTTP server standing in for an internal service: it records every request it gets."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer

SECRET = b"INTERNAL-SECRET-\x89PNG"


class Internal:
    """Answers anything with SECRET (as an image) and remembers the path and Authorization."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str | None]] = []
        self.server: TestServer | None = None

    async def start(self) -> Internal:
        """Listen on a free 127.0.0.1 port."""

        async def handler(request: web.Request) -> web.Response:
            self.hits.append((request.path_qs, request.headers.get("Authorization")))
            return web.Response(body=SECRET, content_type="image/png")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    def url(self, path: str) -> str:
        """An absolute http://127.0.0.1:<port> URL of a path."""
        assert self.server is not None
        return str(self.server.make_url(path))

    async def close(self) -> None:
        """Stop listening."""
        if self.server is not None:
            await self.server.close()
