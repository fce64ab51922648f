"""Socket Mode: no public URL, the same listeners, events over a WebSocket from the fake Slack."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from inbox.models import Conversation, Message
from inbox.settings import load_settings
from tests.bot.conftest import AGENT, CUSTOMER, Loop, messenger_text, settle, slack_env
from tests.conftest import truncate
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import APP_TOKEN, FakeSlack, event_envelope, signed_headers
from web.app import create_app


async def test_a_reply_arrives_over_socket_mode_and_reaches_the_customer(
    pg_database: str, graph: FakeGraph, slack: FakeSlack, aiohttp_client: Any
) -> None:
    env = slack_env(graph, slack, pg_database, SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]
    settings = load_settings(env, read_dotenv=False)
    await truncate(settings.database_url)
    client = await aiohttp_client(create_app(settings))
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=settings.token_encryption_keys[0])
    loop = Loop(client, slack, graph, settings, workspace, account)
    await loop.webhook("messenger", messenger_text("Over the socket?"))
    conversation = await Conversation.get()

    event = {
        "type": "message",
        "channel": conversation.slack_channel,
        "user": AGENT,
        "text": "Yes, no public URL needed",
        "ts": f"{time.time():.6f}",
        "thread_ts": conversation.slack_thread_ts,
    }
    await slack.push_event("envelope-1", event_envelope(event, "Ev0SOCKET1"))
    for _ in range(250):
        if any(ack.get("envelope_id") == "envelope-1" for ack in slack.socket_acks):
            break
        await asyncio.sleep(0.02)
    await settle()

    assert [ack["envelope_id"] for ack in slack.socket_acks] == ["envelope-1"]
    [sent] = graph.sent()
    assert sent.json["recipient"] == {"id": CUSTOMER}
    assert sent.json["message"] == {"text": "Yes, no public URL needed"}
    assert (await Message.get(is_incoming=False)).agent == "Ana Agent"
    [opened] = slack.called("apps.connections.open")
    assert opened.token == APP_TOKEN

    body = json.dumps({"type": "url_verification", "challenge": "x"}).encode()
    headers = {"Content-Type": "application/json", **signed_headers(body)}
    response = await client.post("/slack/events", data=body, headers=headers)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "socket_mode_only"
