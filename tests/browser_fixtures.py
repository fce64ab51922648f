"""The browser tests' shared fixtures: the live app, one Chromium per module, fresh pages.

Loaded as a plugin by tests/conftest.py; a module that needs another app (other settings,
another fake) defines its own `live`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright

from tests.browser import BrowserApp, launch, serving
from tests.conftest import cahts_env, truncate

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def live(pg_database: str) -> Iterator[BrowserApp]:
    """The app on a free port, on an emptied database."""
    asyncio.run(truncate(pg_database))
    with serving(cahts_env(pg_database)) as app:
        yield app


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module; each test opens its own context."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """New pages in fresh contexts; fails the test on any uncaught script error."""
    contexts = []
    problems: list[str] = []

    def dialog(box: Dialog) -> None:
        if box.type == "confirm":  # the user says yes to "Disconnect …?"
            new.confirmed.append(box.message)  # type: ignore[attr-defined]
            box.accept()
        else:
            problems.append(f"{box.type}: {box.message}")
            box.dismiss()

    # Assertions wait as long as actions: 5 s was too short on a busy 2-core CI machine.
    expect.set_options(timeout=10_000)

    def new(**options: Any) -> Page:
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("dialog", dialog)
        return page

    new.confirmed = []  # type: ignore[attr-defined]

    yield new
    for context in contexts:
        context.close()
    assert problems == []
