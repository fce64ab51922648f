"""The Slack loop under test: the whole app with Bolt, a fake Slack and a fake Graph API."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from bot.mirror.conversation import Clients
from bot.slack.client import slack_client
from inbox.appkeys import BUS, WRITER
from inbox.bus import EventBus
from inbox.graph import GraphClient
from inbox.models import Conversation, PlatformAccount, Workspace
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings, load_settings
from inbox.tasks.broker import broker
from tests.conftest import APP_SECRET, cahts_env, truncate
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    FakeSlack,
    event_envelope,
    signed_headers,
)
from tests.helpers import sign_meta
from web.app import create_app

CHANNEL = "C0SUPPORT"
AGENT = "U0AGENT01"
PUBLIC_URL = "https://cahts.example.com"
CUSTOMER = "7349205816634201"
WA_CUSTOMER = "16505551234"
_ids = itertools.count(1)


def slack_env(
    graph: FakeGraph, slack: FakeSlack, database_url: str, **extra: str
) -> dict[str, str]:
    """Environment of a cahts with Slack on, pointed at the fakes."""
    return cahts_env(
        database_url,
        META_GRAPH_URL=graph.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_CHANNEL=CHANNEL,
        PUBLIC_URL=PUBLIC_URL,
        **extra,
    )


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """A local fake Slack Web API, with one known agent."""
    fake = await FakeSlack().start()
    fake.users[AGENT] = "Ana Agent"
    yield fake
    await fake.close()


@pytest.fixture
def slack_settings(
    pg_database: str, graph: FakeGraph, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings with Slack on; sends retry fast."""
    monkeypatch.setenv("SEND_RETRY_BASE_SECONDS", "0.01")
    monkeypatch.setenv("SLACK_SWEEP_GRACE_SECONDS", "0")
    return load_settings(slack_env(graph, slack, pg_database), read_dotenv=False)


async def settle(within: float = 60.0) -> None:
    """Wait until the in-process task queue is idle (tasks may kick further tasks)."""
    deadline = time.monotonic() + within
    while getattr(broker, "_running_tasks", None):
        if time.monotonic() > deadline:
            raise AssertionError("background tasks did not finish in time")
        await broker.wait_all()  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)


@dataclass
class Loop:
    """The running app and the two fakes it talks to."""

    client: TestClient
    slack: FakeSlack
    graph: FakeGraph
    settings: Settings
    workspace: Workspace
    account: PlatformAccount

    async def webhook(self, platform: str, payload: dict[str, Any]) -> ClientResponse:
        """A signed Meta webhook; waits for the Slack work it starts."""
        body = json.dumps(payload).encode()
        response = await self.client.post(
            f"/api/webhooks/{platform}", data=body, headers=sign_meta(body, APP_SECRET)
        )
        assert response.status == 200, await response.text()
        await self.client.app[WRITER].idle()  # announcing (the mirror's kick) follows the 200
        await settle()
        return response

    @property
    def bus(self) -> EventBus:
        """The app's event bus, with the hooks its root gave it (the Slack mirror's kicks)."""
        return self.client.app[BUS]

    async def signed(self, body: bytes, content_type: str, **headers: str) -> ClientResponse:
        """POST /slack/events signed with the app's secret."""
        all_headers = {"Content-Type": content_type, **signed_headers(body), **headers}
        response = await self.client.post("/slack/events", data=body, headers=all_headers)
        await settle()
        return response

    async def event(
        self, event: dict[str, Any], event_id: str | None = None, team: str = TEAM
    ) -> ClientResponse:
        """An Events API callback carrying one event."""
        envelope = event_envelope(event, event_id or f"Ev{next(_ids):08d}", team)
        return await self.signed(json.dumps(envelope).encode(), "application/json")

    def command_form(
        self, text: str, *, user: str = AGENT, channel: str = CHANNEL, team: str = TEAM
    ) -> dict[str, str]:
        """The form Slack posts for `/inbox <text>` typed in a channel."""
        return {
            "token": "legacy",
            "team_id": team,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "support",
            "user_id": user,
            "user_name": "ana",
            "command": "/inbox",
            "text": text,
            "api_app_id": "A0CAHTS",
            "response_url": f"{self.slack.base}/respond/{next(_ids)}",
            "trigger_id": f"trigger.{next(_ids)}",
        }

    async def command(
        self, text: str, *, user: str = AGENT, channel: str = CHANNEL, team: str = TEAM
    ) -> str:
        """`/inbox <text>` typed in a channel; returns what Slack would show the user."""
        form = self.command_form(text, user=user, channel=channel, team=team)
        response = await self.signed(urlencode(form).encode(), "application/x-www-form-urlencoded")
        assert response.status == 200, await response.text()
        return str((await response.json())["text"])

    async def shortcut(
        self, message: dict[str, Any], *, user: str = AGENT, team: str = TEAM
    ) -> ClientResponse:
        """The "Relink thread" message shortcut used on a message."""
        payload = {
            "type": "message_action",
            "callback_id": "relink_thread",
            "trigger_id": "1.2.3",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "team_id": team},
            "channel": {"id": message["channel"], "name": "support"},
            "message_ts": message["ts"],
            "message": {k: v for k, v in message.items() if k != "channel"},
            "response_url": f"{self.slack.base}/respond/{next(_ids)}",
        }
        return await self.click(payload)

    async def reply(
        self,
        conversation: Conversation,
        text: str,
        *,
        user: str = AGENT,
        event_id: str | None = None,
        team: str = TEAM,
        **extra: Any,
    ) -> tuple[ClientResponse, str]:
        """An agent's reply in the conversation's thread; returns the response and its ts."""
        ts = f"{time.time() + next(_ids) / 1000:.6f}"
        event = {
            "type": "message",
            "channel": conversation.slack_channel,
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": conversation.slack_thread_ts,
            "channel_type": "channel",
            **extra,
        }
        return await self.event(event, event_id, team), ts

    async def click(self, payload: dict[str, Any]) -> ClientResponse:
        """An interactivity payload (a button press), form-encoded as Slack sends it."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.signed(body, "application/x-www-form-urlencoded")


@pytest.fixture
async def loop(
    slack_settings: Settings, slack: FakeSlack, graph: FakeGraph, aiohttp_client: Any
) -> AsyncIterator[Loop]:
    """The app with Slack on, one Messenger account, and Jane's profile on the fake Graph."""
    await truncate(slack_settings.database_url)
    client = await aiohttp_client(create_app(slack_settings))
    workspace = await make_workspace()
    account = await make_account(
        workspace, "messenger", key=slack_settings.token_encryption_keys[0]
    )

    async def profile(request: Any, path: str, body: Any) -> web.Response:
        return web.json_response({"first_name": "Jane", "last_name": "Doe", "id": CUSTOMER})

    graph.routes[f"GET /{CUSTOMER}"] = profile
    yield Loop(client, slack, graph, slack_settings, workspace, account)
    await settle()


def now_ms() -> int:
    """Epoch milliseconds now (Messenger's unit)."""
    return int(time.time() * 1000)


def messenger_text(
    text: str, mid: str | None = None, sender: str = CUSTOMER, at_ms: int | None = None
) -> dict[str, Any]:
    """A Messenger webhook with one customer text message, sent now."""
    return messenger_items(
        [
            {
                "sender": {"id": sender},
                "recipient": {"id": "104578291736452"},
                "timestamp": at_ms or now_ms(),
                "message": {"mid": mid or f"m_{next(_ids):012d}", "text": text},
            }
        ]
    )


def messenger_items(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A Messenger webhook body around messaging[] items."""
    return {
        "object": "page",
        "entry": [{"id": "104578291736452", "time": now_ms(), "messaging": items}],
    }


def whatsapp_message(phone_number_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """A WhatsApp Cloud API webhook around one customer message (Meta's `messages` shape)."""
    item = {"from": WA_CUSTOMER, "timestamp": str(int(time.time())), **message}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Sheena"}, "wa_id": WA_CUSTOMER}],
        "messages": [item],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }


def utc(ts_ms: int) -> datetime:
    """Milliseconds as an aware datetime."""
    return datetime.fromtimestamp(ts_ms / 1000, UTC)


@pytest.fixture
async def clients(database: Settings, slack_settings: Settings) -> AsyncIterator[Clients]:
    """Mirror clients on the fakes, without the app."""
    graph = GraphClient(slack_settings.meta_graph_url)
    yield Clients(
        slack_client(slack_settings),
        slack_settings,
        graph,
        TokenCipher(slack_settings.token_encryption_keys),
    )
    await graph.close()
