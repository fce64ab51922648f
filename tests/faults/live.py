"""A dashboard-like WebSocket client: authenticates, subscribes, reconnects when closed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class LiveSocket:
    """Keeps one /ws/messages/ subscription open and records every frame with its time."""

    base: str
    token: str
    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    closes: list[tuple[float, str]] = field(default_factory=list)
    subscriptions: list[float] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and wait until subscribed."""
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.subscribed.wait(), 15)

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def resynced_after(self, at: float) -> bool:
        """True once the server closed the socket after `at` and a new one subscribed."""
        closed = [t for t, _ in self.closes if t > at]
        return bool(closed) and any(t > closed[0] for t in self.subscriptions)

    def new_messages(self, since: float = 0.0) -> dict[str, float]:
        """Content of each `new_message` received after `since` → when it first arrived."""
        seen: dict[str, float] = {}
        for at, frame in self.frames:
            if frame.get("type") == "new_message" and at >= since:
                seen.setdefault(str(frame["message"]["content"]), at)
        return seen

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    await self._session(session)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    self.closes.append((time.monotonic(), type(exc).__name__))
                await asyncio.sleep(0.5)  # the dashboard backs off too

    async def _session(self, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(f"{self.base}/ws/messages/", heartbeat=5) as ws:
            await ws.send_json({"type": "authenticate", "token": self.token})
            await ws.send_json({"type": "subscribe_messages"})
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = message.json()
                if frame.get("type") == "subscribed":
                    self.subscriptions.append(time.monotonic())
                    self.subscribed.set()
                self.frames.append((time.monotonic(), frame))
            self.closes.append((time.monotonic(), f"closed {ws.close_code}"))
