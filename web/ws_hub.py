"""The WebSocket hub: one bus subscription per server, each event sent to its workspace's sockets.

A task per socket woken by every event cost about 30 µs per socket per event (5,000 sockets:
150 ms of CPU for every event, whichever workspace it was for). The hub encodes an event once
and writes it to the sockets of its workspace in one loop; a socket that cannot take it at
once queues it and drains in its own task (see `web.ws._Session.deliver`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Protocol

from aiohttp import WSCloseCode

from inbox.bus import EventBus, Subscription
from inbox.events import SessionEnded

log = logging.getLogger(__name__)

POLICY = 1008
UNAUTHORIZED = 4401


class Member(Protocol):
    """A subscribed socket as the hub sees it."""

    workspace: str
    session: str

    async def deliver(self, text: str) -> None:
        """Send one encoded event (or queue it when the socket is backed up)."""

    def end(self, code: int, reason: str) -> None:
        """Close the socket soon with this code and reason."""


class Hub:
    """Routes the bus's events to subscribed sockets by workspace."""

    def __init__(self, forwarded: frozenset[str]) -> None:
        self._forwarded = forwarded
        self._members: dict[str, set[Member]] = {}
        self._sessions: dict[str, set[Member]] = {}
        self._task: asyncio.Task[None] | None = None

    def _listen(self, bus: EventBus) -> None:
        if self._task is None or self._task.done():
            subscription = bus.subscribe()  # now: an event published from here on is routed
            self._task = asyncio.create_task(self._relay(subscription), name="ws-hub")

    def join(self, member: Member, bus: EventBus) -> None:
        """Start routing the member's workspace events to it (subscribing the hub if needed)."""
        self._members.setdefault(member.workspace, set()).add(member)
        self._listen(bus)

    def track(self, member: Member, bus: EventBus) -> None:
        """Close the member when its sign-in session (`member.session`) ends."""
        self._sessions.setdefault(member.session, set()).add(member)
        self._listen(bus)

    def untrack(self, member: Member) -> None:
        """Forget the member's session (it closed, or re-authenticated with another)."""
        members = self._sessions.get(member.session)
        if members is not None:
            members.discard(member)
            if not members:
                del self._sessions[member.session]

    def leave(self, member: Member) -> None:
        """Stop routing events to the member."""
        members = self._members.get(member.workspace)
        if members is not None:
            members.discard(member)
            if not members:
                del self._members[member.workspace]

    def _end_all(self, code: int, reason: str) -> None:
        # Tracked sockets too: one may have missed its session_ended meanwhile.
        everyone = [*self._members.values(), *self._sessions.values()]
        for member in {m for members in everyone for m in members}:
            member.end(code, reason)

    def _end_session(self, event: dict[str, object]) -> None:
        reason = f"session ended: {event.get('reason')}"[:100]
        for member in list(self._sessions.get(str(event.get("session_id")), ())):
            member.end(UNAUTHORIZED, reason)

    async def _relay(self, subscription: Subscription) -> None:
        with subscription:
            while True:
                event = await subscription.get()
                if subscription.interrupted or subscription.dropped:
                    # Every socket missed events: each client reloads what it shows.
                    if subscription.interrupted:
                        self._end_all(WSCloseCode.SERVICE_RESTART, "events were lost; resync")
                    else:
                        self._end_all(POLICY, "too slow: events were dropped")
                    subscription.interrupted, subscription.dropped = False, 0
                    continue
                if event.get("type") == SessionEnded.type:
                    self._end_session(event)
                    continue
                if event.get("type") not in self._forwarded:
                    continue
                members = self._members.get(str(event.get("workspace_id")))
                if not members:
                    continue
                text = json.dumps(event, default=str)
                for member in list(members):
                    try:
                        await member.deliver(text)
                    except Exception:  # one socket's failure must not stop the others' events
                        log.exception("websocket delivery failed")

    async def close(self) -> None:
        """Stop relaying."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
