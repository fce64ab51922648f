"""/api/messages and /api/conversations on PostgreSQL: paging, filters, read state, sending."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from inbox.appkeys import BUS, SETTINGS
from inbox.models import Conversation, Message, Outbox, PlatformAccount
from tests.factories import make_account, make_conversation, make_message
from tests.fakes.graph import FakeGraph
from tests.web.api.conftest import Member


async def _get(client: TestClient, member: Member, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=member.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _walk(client: TestClient, member: Member, path: str, **params: Any) -> list[list[str]]:
    """Follow next_cursor to the end; the ids of each page."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = await _get(client, member, path, **query)
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_messages_page_newest_first_without_gaps_or_repeats(
    client: TestClient, alice: Member
) -> None:
    now = datetime.now(UTC)
    conversation = await make_conversation(alice.account)
    same_instant = now - timedelta(hours=1)
    made = [
        await make_message(
            conversation, f"m{n}", received_at=same_instant if n < 4 else now - timedelta(minutes=n)
        )
        for n in range(7)
    ]
    pages = await _walk(client, alice, "/api/messages", limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [i for page in pages for i in page]
    assert sorted(flat) == sorted(str(m.id) for m in made)
    expected = sorted(made, key=lambda m: (m.received_at, str(m.id)), reverse=True)
    assert flat == [str(m.id) for m in expected]


async def test_message_items_carry_the_platform(client: TestClient, alice: Member) -> None:
    message = await make_message(await make_conversation(alice.account), "Hi there")
    body = await _get(client, alice, "/api/messages")
    [item] = body["items"]
    assert item["id"] == str(message.id)
    assert item["platform"] == "messenger"
    assert item["content"] == "Hi there"
    assert body["next_cursor"] is None


async def test_message_filters(client: TestClient, alice: Member) -> None:
    key = client.app[SETTINGS].token_encryption_keys[0]
    whatsapp = await make_account(alice.workspace, "whatsapp", key=key)
    shop = await make_conversation(alice.account)
    wa = await make_conversation(whatsapp, "16505551234")
    unread = await make_message(shop, "Do you ship to Spain? 100% cotton?")
    read = await make_message(shop, "thanks", is_read=True)
    ours = await make_message(shop, "We do!", incoming=False)
    on_wa = await make_message(wa, "hola")

    async def ids(**params: str) -> set[str]:
        return {m["id"] for m in (await _get(client, alice, "/api/messages", **params))["items"]}

    assert await ids(platform="whatsapp") == {str(on_wa.id)}
    assert await ids(account=str(alice.account.id)) == {str(unread.id), str(read.id), str(ours.id)}
    assert await ids(conversation=str(wa.id)) == {str(on_wa.id)}
    assert await ids(unread="true") == {str(unread.id), str(on_wa.id)}
    assert await ids(unread="false") == {str(read.id), str(ours.id)}
    assert await ids(q="SPAIN") == {str(unread.id)}
    assert await ids(q="100%") == {str(unread.id)}
    assert await ids(q="0%_") == set()
    assert await ids(q="spain", platform="whatsapp") == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"platform": "signal"}, "platform"),
        ({"account": "42"}, "account"),
        ({"conversation": "x"}, "conversation"),
        ({"unread": "maybe"}, "unread"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_bad_list_parameters_are_400_naming_the_field(
    client: TestClient, alice: Member, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/messages", params=params, headers=alice.headers)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")


def _cursor(at: str) -> str:
    raw = json.dumps([at, str(uuid.uuid4())]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "at",
    [
        "9999-12-31T23:59:59-14:00",  # past datetime.max once in UTC
        "0001-01-01T00:00:00+14:00",  # before datetime.min once in UTC
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00+24:00",
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/api/messages", "/api/conversations", "{conversation}", "/api/platforms", "/api/invites"],
)
async def test_a_crafted_cursor_is_400_on_every_list(
    client: TestClient, alice: Member, path: str, at: str
) -> None:
    conversation = await make_conversation(alice.account)
    await make_message(conversation, "Hello")
    path = path.format(conversation=f"/api/conversations/{conversation.id}/messages")
    response = await client.get(path, params={"cursor": _cursor(at)}, headers=alice.headers)
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["field"] == "cursor"


async def test_get_one_message(client: TestClient, alice: Member) -> None:
    message = await make_message(await make_conversation(alice.account), "Hello")
    body = await _get(client, alice, f"/api/messages/{message.id}")
    assert (body["id"], body["platform"], body["is_incoming"]) == (
        str(message.id),
        "messenger",
        True,
    )
    for missing in ("00000000-0000-0000-0000-000000000000", "nope"):
        response = await client.get(f"/api/messages/{missing}", headers=alice.headers)
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


async def test_mark_read_decrements_once_and_announces_once(
    client: TestClient, alice: Member
) -> None:
    conversation = await make_conversation(alice.account, unread=2)
    first = await make_message(conversation, "one")
    await make_message(conversation, "two")
    with client.app[BUS].subscribe() as events:
        for _ in range(3):
            response = await client.patch(f"/api/messages/{first.id}/read", headers=alice.headers)
            assert response.status == 200
            assert (await response.json())["is_read"] is True
        published = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    assert (await Conversation.get(id=conversation.id)).unread_count == 1
    [event] = published
    assert {k: event[k] for k in ("type", "workspace_id", "message_id", "unread_count")} == {
        "type": "message_read",
        "workspace_id": str(alice.workspace.id),
        "message_id": str(first.id),
        "unread_count": 1,
    }
    assert event["conversation_id"] == str(conversation.id)
    assert (await Message.get(id=first.id)).is_read


async def test_unread_count_never_goes_below_zero(client: TestClient, alice: Member) -> None:
    conversation = await make_conversation(alice.account, unread=0)
    message = await make_message(conversation)
    response = await client.patch(f"/api/messages/{message.id}/read", headers=alice.headers)
    assert response.status == 200
    assert (await Conversation.get(id=conversation.id)).unread_count == 0


async def test_conversations_by_latest_activity_with_unread_counts(
    client: TestClient, alice: Member
) -> None:
    now = datetime.now(UTC)
    old = await make_conversation(alice.account, "1", last_message_at=now - timedelta(days=2))
    new = await make_conversation(alice.account, "2", last_message_at=now, unread=3)
    mid = await make_conversation(alice.account, "3", last_message_at=now - timedelta(hours=1))
    never = await make_conversation(alice.account, "4")
    await Conversation.filter(id=never.id).update(
        last_message_at=None, created_at=now - timedelta(days=5)
    )
    pages = await _walk(client, alice, "/api/conversations", limit=2)
    assert [i for p in pages for i in p] == [str(c.id) for c in (new, mid, old, never)]
    body = await _get(client, alice, "/api/conversations", unread="true")
    assert [(c["id"], c["unread_count"]) for c in body["items"]] == [(str(new.id), 3)]
    assert body["items"][0]["platform"] == "messenger"


async def test_a_conversations_messages(client: TestClient, alice: Member) -> None:
    one = await make_conversation(alice.account, "1")
    two = await make_conversation(alice.account, "2")
    mine = await make_message(one, "in one")
    await make_message(two, "in two")
    body = await _get(client, alice, f"/api/conversations/{one.id}/messages")
    assert [m["id"] for m in body["items"]] == [str(mine.id)]
    missing = await client.get(
        "/api/conversations/00000000-0000-0000-0000-000000000000/messages", headers=alice.headers
    )
    assert missing.status == 404


async def _until_sent(message_id: str) -> Message:
    for _ in range(100):
        message = await Message.get(id=message_id)
        if message.status != "pending":
            return message
        await asyncio.sleep(0.05)
    raise AssertionError("the send task never ran")


async def test_send_goes_through_the_outbox_to_the_platform(
    client: TestClient, alice: Member, graph: FakeGraph
) -> None:
    conversation = await make_conversation(alice.account)
    with client.app[BUS].subscribe() as events:
        response = await client.post(
            "/api/messages",
            json={"conversation_id": str(conversation.id), "text": "It ships tomorrow"},
            headers=alice.headers,
        )
        assert response.status == 201
        body = await response.json()
        assert response.headers["Location"] == f"/api/messages/{body['id']}"
        assert (body["status"], body["is_incoming"], body["agent"]) == ("pending", False, "Agent")
        assert [m["id"] for m in body["messages"]] == [body["id"]]
        assert await Outbox.exists(message_id=body["id"])
        sent = await _until_sent(body["id"])
        new = [e for e in [events.queue.get_nowait() for _ in range(events.queue.qsize())]]
    assert sent.status == "sent"
    assert sent.source == "api"
    [request] = graph.sent()
    assert request.path == "/111111111111111/messages"
    assert request.json["message"] == {"text": "It ships tomorrow"}
    assert new[0]["type"] == "new_message"
    assert new[0]["message"]["id"] == body["id"]


async def test_long_text_is_split_and_attachments_are_sent(
    client: TestClient, alice: Member
) -> None:
    conversation = await make_conversation(alice.account)
    response = await client.post(
        "/api/messages",
        json={
            "conversation_id": str(conversation.id),
            "text": "word " * 500,
            "attachments": [{"type": "image", "url": "https://cdn.example.com/a.png"}],
        },
        headers=alice.headers,
    )
    assert response.status == 201
    parts = (await response.json())["messages"]
    assert [p["kind"] for p in parts] == ["text", "text", "media"]
    assert parts[2]["attachments"] == [{"type": "image", "url": "https://cdn.example.com/a.png"}]
    for part in parts:
        await _until_sent(part["id"])


async def test_send_outside_the_window_is_refused_and_nothing_stored(
    client: TestClient, alice: Member, graph: FakeGraph
) -> None:
    conversation = await make_conversation(alice.account, customer_wrote=timedelta(days=8))
    response = await client.post(
        "/api/messages",
        json={"conversation_id": str(conversation.id), "text": "late"},
        headers=alice.headers,
    )
    assert response.status == 409
    error = (await response.json())["error"]
    assert error["code"] == "send_refused"
    assert "window is closed" in error["message"]
    assert await Message.all().count() == 0
    assert graph.requests == []


async def test_send_on_a_disconnected_account_is_refused(client: TestClient, alice: Member) -> None:
    conversation = await make_conversation(alice.account)
    await PlatformAccount.filter(id=alice.account.id).update(is_active=False)
    response = await client.post(
        "/api/messages",
        json={"conversation_id": str(conversation.id), "text": "hello"},
        headers=alice.headers,
    )
    assert response.status == 409
    assert await Outbox.all().count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "hi"}, "conversation_id"),
        ({"conversation_id": "not-a-uuid", "text": "hi"}, "conversation_id"),
        ({"conversation_id": "00000000-0000-0000-0000-000000000000"}, "text"),
        ({"conversation_id": "00000000-0000-0000-0000-000000000000", "text": "   "}, "text"),
        (
            {
                "conversation_id": "00000000-0000-0000-0000-000000000000",
                "attachments": [{"type": "pdf", "url": "https://x.example/a"}],
            },
            "attachments.0.type",
        ),
        (
            {
                "conversation_id": "00000000-0000-0000-0000-000000000000",
                "attachments": [{"type": "image", "url": "javascript:alert(1)"}],
            },
            "attachments.0.url",
        ),
    ],
)
async def test_send_validation_names_the_field(
    client: TestClient, alice: Member, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/messages", json=body, headers=alice.headers)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == field
    assert await Message.all().count() == 0
