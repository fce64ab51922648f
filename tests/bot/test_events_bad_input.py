"""POST /slack/events with what Slack would never send, at the edges of what it would.

tests/bot/test_events.py covers missing, wrong and stale signatures and malformed bodies;
tests/bot/test_replies.py the usual subtypes, bots, unknown threads and other channels.
"""

from __future__ import annotations

import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from inbox.models import Conversation, Message, Outbox
from tests.bot.conftest import AGENT, CUSTOMER, Loop, messenger_text, settle
from tests.fakes.slack import event_envelope, signed_headers
from tests.fuzzing import fuzz_settings, json_values

_ids = itertools.count(1)


async def _conversation(loop: Loop) -> Conversation:
    existing = await Conversation.first()
    if existing is not None and existing.slack_thread_ts:
        return existing
    await loop.webhook("messenger", messenger_text("Hello?"))
    return await Conversation.get()


def _reply_event(conversation: Conversation, **changes: Any) -> dict[str, Any]:
    reply = {
        "type": "message",
        "channel": conversation.slack_channel,
        "user": AGENT,
        "text": "Sure!",
        "ts": f"{time.time() + next(_ids) / 1000:.6f}",
        "thread_ts": conversation.slack_thread_ts,
    }
    reply.update(changes)
    return {k: v for k, v in reply.items() if v is not None}


async def _post_signed(loop: Loop, body: bytes, timestamp: int | None = None) -> Any:
    headers = {"Content-Type": "application/json", **signed_headers(body, timestamp=timestamp)}
    return await loop.client.post("/slack/events", data=body, headers=headers)


async def _nothing_sent(loop: Loop) -> None:
    assert loop.graph.sent() == []
    assert await Message.filter(is_incoming=False).count() == 0
    assert await Outbox.all().count() == 0


@pytest.mark.parametrize(
    ("stamp", "code"),
    [
        ("9" * 400, "bad_timestamp"),  # once a 500: too large for a float
        ("-300", "bad_timestamp"),
        ("1e9", "bad_timestamp"),
        ("+360", "stale_request"),  # six minutes from now: the future is no better
    ],
)
async def test_odd_timestamps_are_refused_with_401(loop: Loop, stamp: str, code: str) -> None:
    if stamp.startswith("+"):  # relative to the moment the test runs, not to collection
        stamp = str(int(time.time()) + int(stamp[1:]))
    body = json.dumps(event_envelope(_reply_event(await _conversation(loop)), "Ev0TS")).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signed_headers(body)["X-Slack-Signature"],
    }
    response = await loop.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == code
    await _nothing_sent(loop)


async def test_the_replay_window_is_five_minutes_both_ways(loop: Loop) -> None:
    conversation = await _conversation(loop)
    now = int(time.time())
    inside = [now - 4 * 60, now + 4 * 60]  # a minute of margin for a slow machine
    for n, stamp in enumerate(inside):
        body = json.dumps(event_envelope(_reply_event(conversation), f"Ev0IN{n}")).encode()
        assert (await _post_signed(loop, body, stamp)).status == 200
    for n, stamp in enumerate([now - 6 * 60, now + 6 * 60]):
        body = json.dumps(event_envelope(_reply_event(conversation), f"Ev0OUT{n}")).encode()
        assert (await _post_signed(loop, body, stamp)).status == 401
    await settle()
    assert len(loop.graph.sent()) == len(inside)


@pytest.mark.parametrize(
    "text", ["nul \x00 inside", "half an emoji \ud83d", "\udc00"], ids=["nul", "high", "low"]
)
async def test_text_that_cannot_be_stored_is_a_400_not_a_500(loop: Loop, text: str) -> None:
    conversation = await _conversation(loop)
    envelope = event_envelope(_reply_event(conversation, text=text), "Ev0BADTEXT")
    response = await _post_signed(loop, json.dumps(envelope).encode())
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_body"
    await _nothing_sent(loop)


async def test_a_command_form_with_nul_is_a_400(loop: Loop) -> None:
    form = urlencode({"command": "/inbox", "text": "relink \x00", "team_id": "T0ACME"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(form)}
    response = await loop.client.post("/slack/events", data=form, headers=headers)
    assert response.status == 400


async def test_deeply_nested_json_is_a_400(loop: Loop) -> None:
    body = b'{"type": "event_callback", "event": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    response = await _post_signed(loop, body)
    assert response.status == 400
    assert "nested" in (await response.json())["error"]["message"]


async def test_the_longest_reply_slack_allows_reaches_the_customer_in_order(loop: Loop) -> None:
    conversation = await _conversation(loop)
    words = [f"w{n:05d}" for n in range(40_000 // 7)]  # 40 000 characters, Slack's maximum
    text = " ".join(words)[:40_000]
    response, _ = await loop.reply(conversation, text)
    assert response.status == 200
    sent = [r.json["message"]["text"] for r in loop.graph.sent()]
    assert 20 <= len(sent) <= 21  # Messenger takes 2000 characters a message, cut at spaces
    assert all(len(piece) <= 2000 for piece in sent)
    assert " ".join(sent) == text
    assert all(r.json["recipient"] == {"id": CUSTOMER} for r in loop.graph.sent())


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"subtype": "me_message"}, id="me_message"),
        pytest.param({"subtype": "message_replied"}, id="message_replied"),
        pytest.param({"subtype": "channel_topic"}, id="channel_topic"),
        pytest.param({"subtype": "file_share", "text": ""}, id="file_share-without-files"),
        pytest.param({"subtype": "file_share", "files": "nope", "text": ""}, id="files-not-a-list"),
        pytest.param({"hidden": True}, id="hidden"),
        pytest.param({"user": None}, id="no-user"),
        pytest.param({"ts": None}, id="no-ts"),
        pytest.param({"thread_ts": 1234.5}, id="thread_ts-a-number"),
        pytest.param({"text": ["not", "text"]}, id="text-a-list"),
        pytest.param({"text": {"a": 1}}, id="text-an-object"),
        pytest.param({"text": 42}, id="text-a-number"),
        pytest.param({"text": "   \n  "}, id="only-blanks"),
        pytest.param({"thread_ts": "1" * 40}, id="thread_ts-too-long"),  # once a 500
        pytest.param({"user": "U" * 40}, id="user-too-long"),  # once a 500
    ],
)
async def test_odd_message_events_send_nothing_and_are_acknowledged(
    loop: Loop, changes: dict[str, Any]
) -> None:
    conversation = await _conversation(loop)
    response = await loop.event(_reply_event(conversation, **changes))
    assert response.status == 200
    await _nothing_sent(loop)


def _event_changes() -> st.SearchStrategy[dict[str, Any]]:
    keys = ["type", "subtype", "text", "user", "channel", "ts", "thread_ts", "bot_id", "files"]
    keys += ["hidden", "edited", "blocks", "team"]
    return st.dictionaries(st.sampled_from(keys), json_values(6), max_size=3)


def _envelope_changes() -> st.SearchStrategy[dict[str, Any]]:
    keys = ["team_id", "team", "user", "channel", "authorizations", "enterprise", "event_id"]
    return st.dictionaries(st.sampled_from(keys), json_values(4), max_size=2)


@pytest.mark.parametrize(
    ("place", "changes"),
    [
        ("event", {"user": 7.5}),  # once a 500: Bolt looked for "id" in a number
        ("event", {"channel": True}),
        ("envelope", {"team": 42}),
        ("envelope", {"authorizations": 3}),
    ],
)
async def test_ids_of_the_wrong_type_are_a_400(
    loop: Loop, place: str, changes: dict[str, Any]
) -> None:
    conversation = await _conversation(loop)
    event = _reply_event(conversation, **(changes if place == "event" else {}))
    envelope = {**event_envelope(event, "Ev0SHAPE"), **(changes if place == "envelope" else {})}
    response = await _post_signed(loop, json.dumps(envelope).encode())
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_body"
    await _nothing_sent(loop)


async def test_a_team_id_longer_than_slack_gives_is_refused_not_a_500(loop: Loop) -> None:
    conversation = await _conversation(loop)
    envelope = event_envelope(_reply_event(conversation), "Ev0LONGTEAM", team="T" * 40)
    response = await _post_signed(loop, json.dumps(envelope).encode())
    assert response.status == 200  # as for any team cahts does not serve
    await _nothing_sent(loop)


@fuzz_settings(50)
@given(changes=_event_changes(), outer=_envelope_changes())
async def test_any_signed_message_event_is_acknowledged_or_refused_never_a_500(
    loop: Loop, changes: dict[str, Any], outer: dict[str, Any]
) -> None:
    conversation = await _conversation(loop)
    replies_before = await Message.filter(is_incoming=False).count()
    reply = {**_reply_event(conversation), **changes}
    envelope = {**event_envelope(reply, f"Ev0FUZZ{next(_ids):06d}"), **outer}
    response = await loop.signed(json.dumps(envelope).encode(), "application/json")
    event(f"HTTP {response.status}")
    assert response.status in (200, 400), await response.text()
    replies = await Message.filter(is_incoming=False).count()
    if replies > replies_before:
        event("sent to the customer")
        # Only a human's message in this very thread ever reaches the customer.
        assert reply.get("type") == "message" and reply.get("subtype") in (None, "file_share")
        assert not reply.get("bot_id") and not reply.get("hidden")
        assert reply["thread_ts"] == conversation.slack_thread_ts
        assert reply["channel"] == conversation.slack_channel
    assert await Outbox.all().count() == replies


async def test_slack_signatures_are_compared_in_constant_time_twice(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slack_bolt.middleware.request_verification.async_request_verification import (
        AsyncRequestVerification,
    )

    from bot.mount import BOLT

    compared: list[object] = []
    real = hmac.compare_digest

    def spy(expected: Any, given: Any) -> bool:
        compared.append(given)
        return real(expected, given)

    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    good = signed_headers(body)
    forged = {**good, "X-Slack-Signature": "v0=" + "0" * 64}
    monkeypatch.setattr(hmac, "compare_digest", spy)
    for headers, status in ((good, 200), (forged, 401)):
        all_headers = {"Content-Type": "application/json", **headers}
        response = await loop.client.post("/slack/events", data=body, headers=all_headers)
        assert response.status == status
    # Ours before Bolt's, then Bolt's own middleware: the good signature is compared twice.
    assert compared.count(good["X-Slack-Signature"]) == 2
    assert compared.count(forged["X-Slack-Signature"]) == 1  # refused by ours already
    middleware = loop.client.app[BOLT]._async_middleware_list
    assert any(isinstance(m, AsyncRequestVerification) for m in middleware)
