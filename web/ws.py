"""WebSocket /ws/messages/: authenticate first, then the caller's workspace events, live."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import weakref
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from inbox import db
from inbox.appkeys import BUS, SETTINGS
from inbox.bus import QUEUE_SIZE
from inbox.events import BROWSER_TYPES
from inbox.httpjson import DB_UNAVAILABLE
from inbox.jsonbody import parse_json
from inbox.metrics import WEBSOCKETS
from inbox.models import User
from inbox.services.conversations.reading import mark_read
from inbox.services.sessions.api_tokens import TokenError, decode_access, session_open, user_of
from web.ws_hub import UNAUTHORIZED, Hub

log = logging.getLogger(__name__)

AUTH_TIMEOUT = 5.0
SEND_TIMEOUT = 5.0
MAX_FRAME = 64 * 1024
MAX_FRAMES_PER_SECOND = 20
HEARTBEAT = 20.0
FORWARDED = BROWSER_TYPES  # the event types whose class says browsers see them
# Application close codes (4000-4999): the reason is also sent as text. 4401 (UNAUTHORIZED,
# from web.ws_hub): not authenticated, the access token expired, or the session ended.
POLICY = 1008
EXPIRED = "token expired; authenticate again"
SOCKETS = web.AppKey("websockets", weakref.WeakSet[web.WebSocketResponse])
HUB = web.AppKey("websocket_hub", Hub)


def origin_allowed(request: web.Request) -> bool:
    """Browsers must come from our PUBLIC_URL or this very host; other clients send no Origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    public = urlsplit(request.app[SETTINGS].public_url)
    if (parts.scheme, parts.netloc) == (public.scheme, public.netloc):
        return True
    return parts.netloc == request.host


class _Session:
    """One socket: its user once authenticated, its subscription once subscribed."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.request = request
        self.ws = ws
        self.user: User | None = None
        self.workspace = ""
        self.session = ""  # the sign-in session (refresh-token family) of the token
        self.expires_at = 0.0  # when that access token expires (epoch seconds)
        self._expiry: asyncio.TimerHandle | None = None
        self.subscribed = False
        # Events the hub could not write at once (the socket was backed up), oldest first.
        self.backlog: deque[str] = deque()
        self.pump: asyncio.Task[None] | None = None
        self._ending: tuple[int, str] | None = None
        self._window_start = time.monotonic()
        self._frames = 0

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=reason.encode())

    def flooding(self) -> bool:
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            self._window_start, self._frames = now, 0
        self._frames += 1
        return self._frames > MAX_FRAMES_PER_SECOND

    def _writable(self, text: str) -> bool:
        """True when writing text keeps the socket under its low-water mark: then the write
        cannot wait for the peer, so it needs no timeout (a timer per send was the largest
        cost of a broadcast to thousands of sockets)."""
        transport = self.request.transport
        if transport is None:
            return False
        low_water = transport.get_write_buffer_limits()[0]
        return transport.get_write_buffer_size() + 4 * len(text) < low_water

    async def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, default=str)
        if self._writable(text):
            await self.ws.send_str(text)
            return
        async with asyncio.timeout(SEND_TIMEOUT):
            await self.ws.send_str(text)

    async def deliver(self, text: str) -> None:
        """An event from the hub: written now when the socket can take it, else queued."""
        if self.ws.closed or self._ending is not None:
            return
        if not self.backlog and self._writable(text):
            with contextlib.suppress(ConnectionResetError):  # closing: its handler ends it
                await self.ws.send_str(text)
            return
        if len(self.backlog) >= QUEUE_SIZE:
            self.end(POLICY, "too slow: events were dropped")
            return
        self.backlog.append(text)
        self._kick()

    def end(self, code: int, reason: str) -> None:
        """Close soon, after nothing (the hub must not wait for a close handshake)."""
        if self._ending is None:
            self._ending = (code, reason)
            self._kick()

    def _kick(self) -> None:
        if self.pump is None or self.pump.done():
            self.pump = asyncio.create_task(self._drain(), name="ws-drain")

    async def handle(self, frame: dict[str, Any]) -> None:
        """One client frame. Frames that query the database run in a task of their own: a
        transaction that dies as it begins stays set in its task's context (Tortoise), and
        this session's task lives as long as the socket."""
        if frame.get("type") not in ("authenticate", "mark_read"):
            await self._handle(frame)
            return
        try:
            await asyncio.create_task(self._handle(frame))
        except db.UNAVAILABLE as exc:
            log.warning("websocket %s: database unavailable (%s)", frame.get("type"), exc)
            if self.user is None:
                await self.close(WSCloseCode.TRY_AGAIN_LATER, "database unavailable")
            else:
                await self.send(
                    {"type": "error", "code": "database_unavailable", "message": DB_UNAVAILABLE}
                )

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "authenticate":
            await self._authenticate(frame.get("token"))
            return
        if self.user is None:
            await self.close(UNAUTHORIZED, "authenticate first")
            return
        if self._ending is not None:
            return  # closing: nothing more is done for this socket
        if time.time() >= self.expires_at:
            await self.close(UNAUTHORIZED, EXPIRED)
            return
        if kind == "subscribe_messages":
            if not self.subscribed:
                self.subscribed = True
                self.request.app[HUB].join(self, self.request.app[BUS])
            await self.send({"type": "subscribed"})
        elif kind == "mark_read":
            await self._mark_read(frame.get("message_id"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        else:
            await self.send({"type": "error", "code": "unknown_type", "message": str(kind)[:64]})

    async def _authenticate(self, token: Any) -> None:
        """The first `authenticate`, or a later one with a fresh token of the same user, which
        moves the socket's deadline to that token's expiry."""
        if not isinstance(token, str):
            await self.close(UNAUTHORIZED, "authenticate first")
            return
        try:
            claims = decode_access(token, self.request.app[SETTINGS].jwt_secret)
        except TokenError:
            await self.close(UNAUTHORIZED, "invalid token")
            return
        if self.user is not None and claims.user_id != self.user.id:
            await self.close(UNAUTHORIZED, "a socket stays with the user who opened it")
            return
        hub = self.request.app[HUB]
        # Tracked before the session is checked, so a logout in between still closes it.
        hub.untrack(self)
        self.session = str(claims.session_id)
        hub.track(self, self.request.app[BUS])
        try:
            self.user = await user_of(claims)
        except TokenError:
            await self.close(UNAUTHORIZED, "invalid token")
            return
        self.workspace = str(self.user.workspace_id)
        self._deadline(claims.expires_at.timestamp())
        await self.send(
            {
                "type": "authenticated",
                "user": {"id": str(self.user.id), "email": self.user.email},
                "workspace_id": str(self.user.workspace_id),
                "expires_in": max(0, int(self.expires_at - time.time())),
            }
        )

    def _deadline(self, expires_at: float) -> None:
        """Close the socket when its access token expires, unless re-authenticated first."""
        self.expires_at = expires_at
        if self._expiry is not None:
            self._expiry.cancel()
        delay = max(0.0, expires_at - time.time())
        self._expiry = asyncio.get_running_loop().call_later(delay, self.end, UNAUTHORIZED, EXPIRED)

    async def _mark_read(self, raw: Any) -> None:
        assert self.user is not None
        try:
            message_id = uuid.UUID(str(raw))
        except ValueError:
            await self.send({"type": "error", "code": "invalid", "message": "message_id"})
            return
        if not await session_open(uuid.UUID(self.session), self.user.id):
            await self.close(UNAUTHORIZED, "session ended")
            return
        workspace = self.user.workspace_id
        found = await mark_read(workspace, message_id, self.request.app[BUS])
        if found is None:
            await self.send({"type": "error", "code": "not_found", "message": "message_id"})

    async def _drain(self) -> None:
        """Write what queued while the socket was backed up; a client that can't keep up is
        dropped. Runs only while there is a backlog (or a close to send)."""
        try:
            while self.backlog and self._ending is None and not self.ws.closed:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await self.ws.send_str(self.backlog[0])
                self.backlog.popleft()
            if self._ending is not None and not self.ws.closed:
                await self.close(*self._ending)
        except (TimeoutError, ConnectionResetError):
            with contextlib.suppress(Exception):
                await self.close(POLICY, "too slow")

    def stop(self) -> None:
        if self.subscribed:
            self.request.app[HUB].leave(self)
        if self.session:
            self.request.app[HUB].untrack(self)
        if self._expiry is not None:
            self._expiry.cancel()
        if self.pump is not None:
            self.pump.cancel()


async def _read_frames(session: _Session) -> None:
    ws = session.ws
    async for msg in ws:
        if msg.type != WSMsgType.TEXT:
            await session.close(WSCloseCode.UNSUPPORTED_DATA, "text JSON frames only")
            return
        if session.flooding():
            await session.close(POLICY, "too many frames")
            return
        try:
            frame = parse_json(msg.data)
        except ValueError:
            await session.close(WSCloseCode.INVALID_TEXT, "frames must be JSON")
            return
        if not isinstance(frame, dict):
            await session.close(WSCloseCode.INVALID_TEXT, "frames must be JSON objects")
            return
        await session.handle(frame)
        if ws.closed:
            return


async def websocket(request: web.Request) -> web.StreamResponse:
    """The live socket; unauthenticated sockets get nothing and are closed."""
    if not origin_allowed(request):
        raise web.HTTPForbidden(text="origin not allowed")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    WEBSOCKETS.inc()
    session = _Session(request, ws)
    try:
        try:
            async with asyncio.timeout(AUTH_TIMEOUT):
                first = await ws.receive()
        except TimeoutError:
            await session.close(UNAUTHORIZED, "authentication timeout")
            return ws
        if first.type == WSMsgType.TEXT:
            await _read_frames_from(session, first.data)
        elif first.type not in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            await session.close(WSCloseCode.UNSUPPORTED_DATA, "text JSON frames only")
    finally:
        session.stop()
        WEBSOCKETS.dec()
    return ws


async def _read_frames_from(session: _Session, first: str) -> None:
    """Handle the first (authentication) frame, then the rest of the stream."""
    try:
        frame = parse_json(first)
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        await session.close(UNAUTHORIZED, "authenticate first")
        return
    await session.handle(frame)
    if not session.ws.closed:
        await _read_frames(session)


async def _close_all(app: web.Application) -> None:
    """On shutdown, tell every client why its socket closes."""
    sockets = app[SOCKETS]
    for ws in list(sockets):
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


async def _stop_hub(app: web.Application) -> None:
    await app[HUB].close()


def setup(app: web.Application) -> None:
    """Mount /ws/messages/."""
    app[SOCKETS] = weakref.WeakSet()
    app[HUB] = Hub(FORWARDED)
    app.router.add_get("/ws/messages/", websocket)
    app.router.add_get("/ws/messages", websocket)
    app.on_shutdown.append(_close_all)
    app.on_cleanup.append(_stop_hub)
