"""Driving the dashboard in Debian's Chromium with Playwright, and serving the app for it.

Never downloads a browser: Playwright is pointed at /usr/bin/chromium (`apt-get install
chromium`). Used by the browser tests and by docs/screenshots.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web

from inbox.settings import load_settings
from tests.fakes.graph import FakeGraph
from tests.web.api.live import LiveApp
from web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
PASSWORD = "correct horse"  # what tests.factories.make_owner sets
T = TypeVar("T")


@dataclass
class BrowserApp(LiveApp):
    """A running server, and its application (for its sockets, bus, …)."""

    app: web.Application | None = None


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True, timeout=30_000
    )


@contextmanager
def serving(env: dict[str, str]) -> Iterator[BrowserApp]:
    """A fake Graph API and the whole app on free 127.0.0.1 ports, on a background loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="dashboard-app", daemon=True)
    thread.start()

    def run(coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)  # type: ignore[arg-type]

    async def start() -> tuple[FakeGraph, web.AppRunner, BrowserApp]:
        graph = await FakeGraph().start()
        settings = load_settings({**env, "META_GRAPH_URL": graph.url}, read_dotenv=False)
        application = create_app(settings)
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        return graph, runner, BrowserApp(base, settings, graph, loop, application)

    graph, runner, app = run(start())
    try:
        yield app
    finally:

        async def stop() -> None:
            await runner.cleanup()
            await graph.close()

        run(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Open the dashboard and sign in through the login form; waits for the overview."""
    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Overview").wait_for()
