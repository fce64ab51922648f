"""The dashboard draws Telegram from the adapter: its connect form, name and icon (Chromium)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from inbox.models import PlatformAccount
from tests.browser import BrowserApp, chromium_missing, serving, sign_in
from tests.conftest import cahts_env, truncate
from tests.factories import make_owner, make_workspace
from tests.fakes.telegram import BOT_TOKEN, FakeBotApi

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")


@pytest.fixture(scope="module")
def fake_botapi() -> Iterator[FakeBotApi]:
    """The fake Bot API on its own loop (the app runs on another thread's loop)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-botapi", daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(FakeBotApi().start(), loop).result(30)
    fake.add_bot()
    yield fake
    asyncio.run_coroutine_threadsafe(fake.close(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture(scope="module")
def live(pg_database: str, fake_botapi: FakeBotApi) -> Iterator[BrowserApp]:
    """The app on a free port with TELEGRAM_API_URL at the fake, on an emptied database."""
    asyncio.run(truncate(pg_database))
    with serving(cahts_env(pg_database, TELEGRAM_API_URL=fake_botapi.url)) as app:
        yield app


async def _owner() -> None:
    workspace = await make_workspace("Bots")
    await make_owner(workspace, "bots@example.com")


async def _bot() -> PlatformAccount | None:
    return await PlatformAccount.get_or_none(platform="telegram")


def test_the_platforms_page_connects_a_bot_with_the_adapters_form(
    live: BrowserApp, browser: Browser, fake_botapi: FakeBotApi
) -> None:
    live.run(_owner())
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    errors: list[str] = []
    page: Page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, live.base_url, "bots@example.com")
        page.get_by_role("link", name="Platforms", exact=True).click()
        section = page.locator("section[data-platform=telegram]")
        expect(section.get_by_role("heading")).to_have_text("Telegram")
        expect(section).to_contain_text("Telegram has no reply window")
        form = page.get_by_role("form", name="Connect Telegram")

        form.get_by_label("Bot token").fill("42:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        form.get_by_role("button", name="Connect Telegram").click()
        expect(form.locator(".form-error")).to_contain_text(
            "Not connected: Token: Telegram refused it (Unauthorized)"
        )
        assert live.run(_bot()) is None

        form.get_by_label("Bot token").fill(BOT_TOKEN)
        form.get_by_role("button", name="Connect Telegram").click()
        card = page.locator("article.account", has_text="@SomethingSomethingBot")
        expect(card).to_contain_text("connected")
        expect(card.locator("p.muted")).to_have_text("Telegram")
        icon = card.locator("img.platform-icon")
        expect(icon).to_have_attribute("src", "/api/platforms/telegram/logo.svg")
        expect(icon).to_have_attribute("alt", "Telegram")
        assert page.evaluate("document.querySelector('img.platform-icon').naturalWidth") > 0
    finally:
        context.close()
    bot = live.run(_bot())
    assert bot is not None and bot.webhook_secret
    assert [c.method for c in fake_botapi.calls][-2:] == ["getMe", "setWebhook"]
    assert errors == []
