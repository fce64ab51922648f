"""WebSocket /ws/messages/: authenticate first, then the caller's workspace events, live."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
import weakref
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from inbox.appkeys import BUS, SETTINGS
from inbox.bus import Subscription
from inbox.jsonbody import parse_json
from inbox.metrics import WEBSOCKETS
from inbox.models import User
from inbox.services.reading import mark_read
from inbox.services.tokens import TokenError, authenticate

log = logging.getLogger(__name__)

AUTH_TIMEOUT = 5.0
SEND_TIMEOUT = 5.0
MAX_FRAME = 64 * 1024
MAX_FRAMES_PER_SECOND = 20
HEARTBEAT = 20.0
FORWARDED = frozenset(
    {
        "new_message",
        "message_read",
        "message_status",
        "message_reaction",
        "message_deleted",
        "platform_connected",
        "sync_started",
        "sync_completed",
        "account_attention",
        "conversation_updated",
    }
)
# Application close codes (4000-4999): the reason is also sent as text.
UNAUTHORIZED = 4401
POLICY = 1008
SOCKETS = web.AppKey("websockets", weakref.WeakSet[web.WebSocketResponse])


class _EncodedEvents:
    """Each bus event's JSON, made once for all the sockets it goes to (not once per socket)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._recent: OrderedDict[int, tuple[dict[str, Any], str]] = OrderedDict()

    def text(self, event: dict[str, Any]) -> str:
        """The event as JSON text (the same object is handed to every subscription)."""
        hit = self._recent.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        text = json.dumps(event, default=str)
        self._recent[id(event)] = (event, text)  # holding the event keeps its id unique
        if len(self._recent) > self._size:
            self._recent.popitem(last=False)
        return text


ENCODED = web.AppKey("websocket_events", _EncodedEvents)


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
        self.subscription: Subscription | None = None
        self.pump: asyncio.Task[None] | None = None
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

    async def send(self, frame: dict[str, Any], text: str | None = None) -> None:
        text = json.dumps(frame, default=str) if text is None else text
        transport = self.request.transport
        low_water = transport.get_write_buffer_limits()[0] if transport is not None else 0
        if transport is not None and transport.get_write_buffer_size() + 4 * len(text) < low_water:
            # Staying under the low-water mark, the write cannot wait for the peer: no timer.
            # With thousands of sockets, a timeout per send was the largest cost of a broadcast.
            await self.ws.send_str(text)
            return
        async with asyncio.timeout(SEND_TIMEOUT):
            await self.ws.send_str(text)

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if self.user is None:
            if kind != "authenticate" or not isinstance(frame.get("token"), str):
                await self.close(UNAUTHORIZED, "authenticate first")
                return
            try:
                self.user = await authenticate(
                    frame["token"], self.request.app[SETTINGS].jwt_secret
                )
            except TokenError:
                await self.close(UNAUTHORIZED, "invalid token")
                return
            await self.send(
                {
                    "type": "authenticated",
                    "user": {"id": str(self.user.id), "email": self.user.email},
                    "workspace_id": str(self.user.workspace_id),  # type: ignore[attr-defined]
                }
            )
        elif kind == "subscribe_messages":
            if self.subscription is None:
                self.subscription = self.request.app[BUS].subscribe()
                self.pump = asyncio.create_task(self._pump(), name="ws-pump")
            await self.send({"type": "subscribed"})
        elif kind == "mark_read":
            await self._mark_read(frame.get("message_id"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        else:
            await self.send({"type": "error", "code": "unknown_type", "message": str(kind)[:64]})

    async def _mark_read(self, raw: Any) -> None:
        assert self.user is not None
        try:
            message_id = uuid.UUID(str(raw))
        except ValueError:
            await self.send({"type": "error", "code": "invalid", "message": "message_id"})
            return
        workspace = self.user.workspace_id  # type: ignore[attr-defined]
        found = await mark_read(workspace, message_id, self.request.app[BUS])
        if found is None:
            await self.send({"type": "error", "code": "not_found", "message": "message_id"})

    async def _pump(self) -> None:
        """Forward this workspace's events; a client that can't keep up is dropped."""
        assert self.user is not None and self.subscription is not None
        workspace = str(self.user.workspace_id)  # type: ignore[attr-defined]
        try:
            while not self.ws.closed:
                event = await self.subscription.get()
                if self.subscription.dropped:
                    await self.close(POLICY, "too slow: events were dropped")
                    return
                if self.subscription.interrupted:
                    await self.close(WSCloseCode.SERVICE_RESTART, "events were lost; resync")
                    return
                if event.get("type") in FORWARDED and event.get("workspace_id") == workspace:
                    await self.send(event, self.request.app[ENCODED].text(event))
        except (TimeoutError, ConnectionResetError):
            with contextlib.suppress(Exception):
                await self.close(POLICY, "too slow")

    def stop(self) -> None:
        if self.pump is not None:
            self.pump.cancel()
        if self.subscription is not None:
            self.subscription.close()


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
    for ws in list(app[SOCKETS]):
        with contextlib.suppress(Exception):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


def setup(app: web.Application) -> None:
    """Mount /ws/messages/."""
    app[SOCKETS] = weakref.WeakSet()
    app[ENCODED] = _EncodedEvents()
    app.router.add_get("/ws/messages/", websocket)
    app.router.add_get("/ws/messages", websocket)
    app.on_shutdown.append(_close_all)
