"""POST /slack/events: signatures, clear refusals, and requests that must change nothing."""

from __future__ import annotations

import json
import time

import pytest
from aiohttp.test_utils import TestClient

from inbox.models import Message, Outbox, SlackEvent
from tests.bot.conftest import CHANNEL, Loop, messenger_text
from tests.fakes.slack import SIGNING_SECRET, event_envelope, signed_headers


async def _nothing_changed(loop: Loop) -> None:
    assert loop.graph.sent() == []
    assert await Message.filter(is_incoming=False).count() == 0
    assert await Outbox.all().count() == 0
    assert await SlackEvent.all().count() == 0


async def _reply_body(loop: Loop) -> bytes:
    await loop.webhook("messenger", messenger_text("hello?"))
    from inbox.models import Conversation

    conversation = await Conversation.get()
    event = {
        "type": "message",
        "channel": conversation.slack_channel,
        "user": "U0AGENT01",
        "text": "forged reply",
        "ts": f"{time.time():.6f}",
        "thread_ts": conversation.slack_thread_ts,
    }
    return json.dumps(event_envelope(event, "Ev0FORGED")).encode()


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_signature"),
        ({"X-Slack-Request-Timestamp": str(int(time.time()))}, "missing_signature"),
        (
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
            "bad_timestamp",
        ),
    ],
)
async def test_unsigned_requests_are_refused(
    loop: Loop, headers: dict[str, str], code: str
) -> None:
    body = await _reply_body(loop)
    response = await loop.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status == 401
    assert (await response.json())["error"]["code"] == code
    await _nothing_changed(loop)


async def test_a_wrong_signature_is_refused(loop: Loop) -> None:
    body = await _reply_body(loop)
    headers = {"Content-Type": "application/json", **signed_headers(body, "not-the-secret")}
    response = await loop.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "bad_signature"
    await _nothing_changed(loop)


async def test_a_body_changed_after_signing_is_refused(loop: Loop) -> None:
    body = await _reply_body(loop)
    headers = {"Content-Type": "application/json", **signed_headers(body)}
    tampered = body.replace(b"forged reply", b"other reply!")
    response = await loop.client.post("/slack/events", data=tampered, headers=headers)
    assert response.status == 401
    await _nothing_changed(loop)


async def test_a_stale_timestamp_is_refused_as_a_replay(loop: Loop) -> None:
    body = await _reply_body(loop)
    old = int(time.time()) - 6 * 60
    headers = {"Content-Type": "application/json", **signed_headers(body, timestamp=old)}
    response = await loop.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "stale_request"
    await _nothing_changed(loop)


async def test_the_url_verification_challenge_is_answered(loop: Loop) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aB"}).encode()
    response = await loop.signed(body, "application/json")
    assert response.status == 200
    assert (await response.json())["challenge"] == "3eZbrw1aB"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b"", "application/json"),
        (b'{"type": "event_callback", "event": "nope"}', "application/json"),
        (b'{"type": "event_callback", "event": {"user": "U1"}}', "application/json"),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/json"),
    ],
)
async def test_malformed_bodies_get_a_clear_400(loop: Loop, body: bytes, content_type: str) -> None:
    response = await loop.signed(body, content_type)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_body"
    await _nothing_changed(loop)


async def test_an_event_nobody_listens_to_is_acknowledged_so_slack_stops_retrying(
    loop: Loop,
) -> None:
    event = {
        "type": "app_mention",
        "user": "U0AGENT01",
        "text": "hi",
        "ts": "1.2",
        "channel": CHANNEL,
    }
    response = await loop.event(event)
    assert response.status == 200
    assert "no listener" in (await response.json())["ignored"]
    await _nothing_changed(loop)


async def test_without_a_bot_token_slack_is_off_and_says_so(client: TestClient) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "x"}).encode()
    headers = {"Content-Type": "application/json", **signed_headers(body, SIGNING_SECRET)}
    response = await client.post("/slack/events", data=body, headers=headers)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "slack_not_configured"
    files = await client.get("/slack/files/anything")
    assert files.status == 404
