"""The dashboard: static HTML, CSS and ES modules (no build step) served next to the API."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = (Path(__file__).parent / "static").resolve()
INDEX = STATIC / "index.html"
# No build step means no content-hashed file names: let browsers keep files but revalidate
# (ETag / Last-Modified answer 304), so a release never mixes old and new modules.
CACHE = "no-cache"
# Customer messages are untrusted: even if some text slipped into markup, nothing inline runs.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Cache-Control": CACHE,
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


async def index(request: web.Request) -> web.FileResponse:
    """The app shell; the client routes (#/chats, /conversations/<id>) from there."""
    return web.FileResponse(INDEX, headers=HEADERS)


async def asset(request: web.Request) -> web.FileResponse:
    """A file under web/static/, never anything outside it."""
    wanted = (STATIC / request.match_info["path"]).resolve()
    if not wanted.is_relative_to(STATIC) or not wanted.is_file():
        raise web.HTTPNotFound(text="no such file")
    headers = dict(HEADERS)
    if wanted.suffix in TYPES:
        headers["Content-Type"] = TYPES[wanted.suffix]
    return web.FileResponse(wanted, headers=headers)


def setup(app: web.Application) -> None:
    """Mount `/`, `/conversations/{id}` (Slack's links) and `/static/…`."""
    app.router.add_get("/", index)
    app.router.add_get("/conversations/{id}", index)
    app.router.add_get("/static/{path:.+}", asset)
