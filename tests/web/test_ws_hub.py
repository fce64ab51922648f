"""The WebSocket hub: one bus subscription routes each event to its workspace's sockets only."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from inbox.bus import QUEUE_SIZE, InProcessBus
from tests.helpers import raw_event
from web.ws_hub import POLICY, UNAUTHORIZED, Hub


class Socket:
    """A subscribed socket as the hub sees it, recording what it was given."""

    def __init__(self, workspace: str, broken: bool = False, session: str = "") -> None:
        self.workspace = workspace
        self.session = session
        self.broken = broken
        self.got: list[dict[str, Any]] = []
        self.ended: tuple[int, str] | None = None
        self.changed = asyncio.Event()

    async def deliver(self, text: str) -> None:
        if self.broken:
            raise ConnectionError("gone")
        self.got.append(json.loads(text))
        self.changed.set()

    def end(self, code: int, reason: str) -> None:
        self.ended = (code, reason)
        self.changed.set()


async def _until(socket: Socket, check: Any) -> None:
    """Wait (at most 2 s) until check() holds, re-checking whenever the socket is given more."""
    async with asyncio.timeout(2):
        while not check():
            socket.changed.clear()
            await socket.changed.wait()


async def test_events_reach_the_sockets_of_their_workspace_only() -> None:
    bus, hub = InProcessBus(), Hub(frozenset({"new_message"}))
    a1, a2, b = Socket("A"), Socket("A"), Socket("B")
    for socket in (a1, a2, b):
        hub.join(socket, bus)
    await bus.publish(raw_event({"type": "new_message", "workspace_id": "A", "n": 1}))
    await bus.publish(raw_event({"type": "internal_only", "workspace_id": "A", "n": 2}))
    await bus.publish(raw_event({"type": "new_message", "workspace_id": "B", "n": 3}))
    await _until(b, lambda: b.got)
    assert [e["n"] for e in a1.got] == [1]
    assert [e["n"] for e in a2.got] == [1]
    assert [e["n"] for e in b.got] == [3]
    hub.leave(a2)
    await bus.publish(raw_event({"type": "new_message", "workspace_id": "A", "n": 4}))
    await _until(a1, lambda: len(a1.got) == 2)
    assert [e["n"] for e in a2.got] == [1]
    await hub.close()


async def test_a_broken_socket_does_not_stop_the_others() -> None:
    bus, hub = InProcessBus(), Hub(frozenset({"new_message"}))
    broken, fine = Socket("A", broken=True), Socket("A")
    hub.join(broken, bus)
    hub.join(fine, bus)
    for n in range(3):
        await bus.publish(raw_event({"type": "new_message", "workspace_id": "A", "n": n}))
    await _until(fine, lambda: len(fine.got) == 3)
    assert [e["n"] for e in fine.got] == [0, 1, 2]
    await hub.close()


async def test_when_the_hub_falls_behind_every_socket_is_told_to_resync() -> None:
    bus, hub = InProcessBus(), Hub(frozenset({"new_message"}))
    a, b = Socket("A"), Socket("B")
    hub.join(a, bus)
    hub.join(b, bus)
    for n in range(QUEUE_SIZE + 5):  # published without yielding: the hub's queue overflows
        await bus.publish(raw_event({"type": "new_message", "workspace_id": "A", "n": n}))
    await _until(b, lambda: a.ended is not None and b.ended is not None)
    assert a.ended == (POLICY, "too slow: events were dropped")
    assert b.ended == a.ended
    await bus.publish(raw_event({"type": "new_message", "workspace_id": "B", "n": -1}))
    await _until(b, lambda: any(e["n"] == -1 for e in b.got))  # it goes on for sockets still open
    await hub.close()


async def test_a_session_ended_event_closes_that_sessions_sockets_only() -> None:
    bus, hub = InProcessBus(), Hub(frozenset({"new_message"}))
    tab1, tab2 = Socket("A", session="s1"), Socket("A", session="s1")
    elsewhere, later = Socket("A", session="s2"), Socket("A", session="s1")
    hub.track(tab1, bus)  # authenticated, never subscribed: closed all the same
    hub.join(tab2, bus)
    hub.track(tab2, bus)
    hub.join(elsewhere, bus)
    hub.track(elsewhere, bus)
    hub.track(later, bus)
    hub.untrack(later)  # gone (or re-authenticated with another session)

    await bus.publish(
        raw_event({"type": "session_ended", "session_id": "s1", "reason": "logged out"})
    )
    await bus.publish(raw_event({"type": "new_message", "workspace_id": "A", "n": 1}))

    await _until(elsewhere, lambda: elsewhere.got)
    assert tab1.ended == tab2.ended == (UNAUTHORIZED, "session ended: logged out")
    assert (elsewhere.ended, later.ended) == (None, None)
    await hub.close()
