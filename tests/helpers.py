"""Shared test helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise.backends.asyncpg.client import TransactionWrapper

from inbox.events import Event

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(platform: str, name: str) -> bytes:
    """The exact bytes of tests/fixtures/<platform>/<name>.json."""
    return (FIXTURES / platform / f"{name}.json").read_bytes()


def load_fixture(platform: str, name: str) -> dict[str, Any]:
    """tests/fixtures/<platform>/<name>.json parsed as a dict."""
    loaded = json.loads(fixture_bytes(platform, name))
    assert isinstance(loaded, dict)
    return loaded


def sign_meta(body: bytes, secret: str) -> dict[str, str]:
    """Headers for a webhook signed as Meta signs it."""
    from inbox.platforms.signature import SIGNATURE_HEADER, sign

    return {SIGNATURE_HEADER: sign(body, secret), "Content-Type": "application/json"}


async def bearer(user: Any, secret: str) -> dict[str, str]:
    """`Authorization` header with a fresh access token (a new session) for this user."""
    from inbox.services.sessions.api_tokens import start_session

    pair = await start_session(user, secret)
    return {"Authorization": f"Bearer {pair.access}"}


def routed_account(platform: str) -> str | None:
    """The fixture account a platform's webhooks are routed to by URL (None: the body says)."""
    from inbox.platforms.registry import get_adapter
    from tests.factories import FIXTURE_ACCOUNTS

    adapter = get_adapter(platform)
    return FIXTURE_ACCOUNTS[platform] if adapter and adapter.webhook_route == "account" else None


def signed_platforms() -> tuple[str, ...]:
    """Platforms with one webhook route signed with the app secret (Meta's)."""
    from inbox.platforms.registry import adapters

    return tuple(n for n, a in adapters().items() if a.webhook_route == "platform")


def webhook_fixture_paths() -> list[Path]:
    """Every webhook fixture of every platform (other folders hold other APIs' answers)."""
    from inbox.platforms.registry import platform_names

    return sorted(p for name in platform_names() for p in (FIXTURES / name).glob("*.json"))


def lose_connection_at_next_begin(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The next transaction's connection dies as it sends BEGIN (the server going away then).

    Returns a list that gets one True when it happened.
    """
    begin = TransactionWrapper.begin
    lost: list[bool] = []

    async def begin_as_the_server_goes(self: TransactionWrapper) -> None:
        if not lost:
            lost.append(True)
            self._connection.terminate()
        await begin(self)

    monkeypatch.setattr(TransactionWrapper, "begin", begin_as_the_server_goes)
    return lost


def lose_connection_at_next_statement(monkeypatch: pytest.MonkeyPatch, starting: str) -> list[bool]:
    """The connection that next sends a statement starting with `starting` dies as it sends
    it (the server going away then). Returns a list that gets one True when it happened."""
    fetch = asyncpg.connection.Connection.fetch
    lost: list[bool] = []

    async def fetch_as_the_server_goes(
        self: asyncpg.Connection, query: str, *args: object, **kwargs: object
    ) -> object:
        if not lost and query.startswith(starting):
            lost.append(True)
            self.terminate()
        return await fetch(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "fetch", fetch_as_the_server_goes)
    return lost


def require_tool(found: bool, missing: str) -> None:
    """Skip the test when a machine tool it needs is missing; in CI (CAHTS_TESTS_REQUIRE_TOOLS=1,
    set by .ci/run, which installs them) fail instead, so a test never goes quietly unrun."""
    if found:
        return
    if os.environ.get("CAHTS_TESTS_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{missing}, and CAHTS_TESTS_REQUIRE_TOOLS=1")
    pytest.skip(missing)


class RawEvent(Event):
    """A bus event given as its wire dict: tests of the bus and the hub publish any shape."""

    __slots__ = ("data",)
    type = "raw"
    browser = False

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def wire(self) -> dict[str, Any]:
        """The dict as given."""
        return self.data


def raw_event(data: dict[str, Any]) -> RawEvent:
    """An event that puts exactly `data` on the bus."""
    return RawEvent(data)
