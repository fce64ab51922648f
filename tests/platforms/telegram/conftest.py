"""Telegram under test: the whole app with Bolt, a fake Slack, a fake Graph and a fake Bot API."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse

from inbox.appkeys import WRITER
from inbox.graph import GraphClient
from inbox.models import PlatformAccount
from inbox.services.accounts import connections
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings, load_settings
from tests.bot.conftest import Loop, settle, slack, slack_env  # noqa: F401 - the slack fixture
from tests.conftest import truncate
from tests.factories import make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import BOT_TOKEN, FakeBotApi
from tests.helpers import load_fixture
from web.app import create_app

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CUSTOMER = "3527065"  # the private chat of the courier fixtures


def update(name: str, **fresh: Any) -> dict[str, Any]:
    """A fixture update, its date moved to now (the mirror posts recent messages only)."""
    body = copy.deepcopy(load_fixture("telegram", name))
    for key in ("message", "edited_message", "message_reaction"):
        if isinstance(body.get(key), dict):
            body[key]["date"] = int(time.time())
            body[key].update(fresh)
    return body


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotApi]:
    """A local fake Bot API that knows the test bot's token."""
    fake = await FakeBotApi().start()
    fake.add_bot()
    yield fake
    await fake.close()


@pytest.fixture
def tg_settings(
    pg_database: str,
    graph: FakeGraph,
    slack: FakeSlack,  # noqa: F811 - the fixture imported above
    botapi: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """Settings with Slack on and TELEGRAM_API_URL at the fake; sends retry fast."""
    monkeypatch.setenv("SEND_RETRY_BASE_SECONDS", "0.01")
    monkeypatch.setenv("SLACK_SWEEP_GRACE_SECONDS", "0")
    env = slack_env(graph, slack, pg_database, TELEGRAM_API_URL=botapi.url)
    return load_settings(env, read_dotenv=False)


@dataclass
class TelegramLoop:
    """The Slack loop plus the Telegram bot connected through the real connect path."""

    loop: Loop
    botapi: FakeBotApi
    secret: str

    @property
    def account(self) -> PlatformAccount:
        """The connected bot."""
        return self.loop.account

    async def post(self, body: bytes, headers: dict[str, str]) -> ClientResponse:
        """POST to the bot's webhook route."""
        path = f"/api/webhooks/telegram/{self.account.id}"
        return await self.loop.client.post(
            path, data=body, headers={"Content-Type": "application/json", **headers}
        )

    async def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver an update as Telegram does (with the secret); waits for the Slack work."""
        response = await self.post(json.dumps(payload).encode(), {SECRET_HEADER: self.secret})
        assert response.status == 200, await response.text()
        await self.loop.client.app[WRITER].idle()
        await settle()
        return dict(await response.json())


@pytest.fixture
async def tg(
    tg_settings: Settings,
    slack: FakeSlack,  # noqa: F811
    graph: FakeGraph,
    botapi: FakeBotApi,
    aiohttp_client: Any,
) -> AsyncIterator[TelegramLoop]:
    """The app with Slack on and the test bot connected (getMe, then setWebhook)."""
    await truncate(tg_settings.database_url)
    client = await aiohttp_client(create_app(tg_settings))
    workspace = await make_workspace()
    api = GraphClient(tg_settings.meta_graph_url, apis=tg_settings.api_urls)
    try:
        account, _ = await connections.connect_form(
            "telegram",
            {"token": BOT_TOKEN},
            workspace_id=workspace.id,
            user_id=None,
            public_url=tg_settings.public_url,
            graph=api,
            cipher=TokenCipher(tg_settings.token_encryption_keys),
            bus=None,
        )
    finally:
        await api.close()
    [hook] = botapi.called("setWebhook")
    loop = Loop(client, slack, graph, tg_settings, workspace, account)
    yield TelegramLoop(loop, botapi, str(hook.params["secret_token"]))
    await settle()
