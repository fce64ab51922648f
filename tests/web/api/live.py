"""The whole app serving on a 127.0.0.1 port from a background event loop, for sync clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

from inbox.settings import Settings, load_settings
from tests.conftest import cahts_env, truncate
from tests.fakes.graph import FakeGraph
from web.app import create_app

T = TypeVar("T")


@dataclass
class LiveApp:
    """A running server: its base URL, its settings, and a way to run coroutines on its loop."""

    base_url: str
    settings: Settings
    graph: FakeGraph
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Awaitable[T], timeout: float = 30) -> T:
        """Run a coroutine on the server's loop (e.g. to seed rows) and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]


@contextmanager
def serving(database_url: str, **env: str) -> Iterator[LiveApp]:
    """Start a fake Graph API and the app on free ports; stop both on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="live-app", daemon=True)
    thread.start()

    def run(coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)  # type: ignore[arg-type]

    async def start() -> tuple[FakeGraph, web.AppRunner, Settings, int]:
        graph = await FakeGraph().start()
        settings = load_settings(
            cahts_env(database_url, META_GRAPH_URL=graph.url, **env), read_dotenv=False
        )
        await truncate(database_url)
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return graph, runner, settings, port

    graph, runner, settings, port = run(start())
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", settings, graph, loop)
    finally:

        async def stop() -> None:
            await runner.cleanup()
            await graph.close()

        run(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
