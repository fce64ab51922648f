"""Two workspaces: for every /api route, A cannot read, change or even detect B's objects."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pypdf import PdfReader

from inbox.appkeys import SETTINGS
from inbox.models import Conversation, Invite, Message, Outbox, PlatformAccount
from tests.factories import make_account, make_analytics, make_conversation, make_message
from tests.fakes.graph import FakeGraph
from tests.web.api.conftest import Member, signed_in

MISSING = "00000000-0000-4000-8000-000000000000"


@dataclass
class World:
    """Alice (workspace A) and Bob (workspace B) with B's objects."""

    alice: Member
    bob: Member
    conversation: Conversation
    message: Message
    invite: Invite


@pytest.fixture
async def world(client: TestClient, alice: Member) -> World:
    """B owns a conversation with an unread message, an invite and analytics; A owns little."""
    bob = await signed_in(client, "B", "bob@example.com", "222222222222222")
    conversation = await make_conversation(bob.account, unread=1, name="Bob's customer")
    message = await make_message(conversation, "secret of B")
    invite = await Invite.create(
        workspace=bob.workspace, code="b-code", expires_at=datetime(2100, 1, 1, tzinfo=UTC)
    )
    await make_analytics(bob.workspace, datetime.now(UTC).date(), total_messages=777)
    mine = await make_conversation(alice.account, name="Alice's customer")
    await make_message(mine, "hello A")
    return World(alice, bob, conversation, message, invite)


async def _answer(client: TestClient, member: Member, method: str, path: str, **kw: Any) -> Any:
    response = await client.request(method, path, headers=member.headers, **kw)
    body = await response.read()
    return response.status, body


async def _same_as_missing(
    client: TestClient, world: World, method: str, template: str, b_id: object, **kw: Any
) -> None:
    """A's answer about B's object is exactly A's answer about an id that does not exist."""
    theirs = await _answer(client, world.alice, method, template.format(id=b_id), **kw)
    missing = await _answer(client, world.alice, method, template.format(id=MISSING), **kw)
    assert theirs == missing, template
    assert theirs[0] == 404, template


async def _unchanged(world: World) -> None:
    message = await Message.get(id=world.message.id)
    assert not message.is_read
    assert (await Conversation.get(id=world.conversation.id)).unread_count == 1
    assert (await Conversation.get(id=world.conversation.id)).status == "open"
    assert (await PlatformAccount.get(id=world.bob.account.id)).is_active
    assert await Message.filter(workspace=world.bob.workspace).count() == 1
    assert await Outbox.all().count() == 0


async def _list_json(client: TestClient, member: Member, path: str, **params: str) -> Any:
    response = await client.get(path, params=params, headers=member.headers)
    assert response.status == 200, path
    return await response.json()


async def test_every_route_keeps_workspaces_apart(
    client: TestClient, world: World, graph: FakeGraph
) -> None:
    checked: set[tuple[str, str]] = set()

    def covers(method: str, path: str) -> None:
        checked.add((method, path))

    # Objects by id: 404 exactly as for a missing id, and nothing changes.
    await _same_as_missing(client, world, "GET", "/api/messages/{id}", world.message.id)
    covers("GET", "/api/messages/{id}")
    await _same_as_missing(client, world, "PATCH", "/api/messages/{id}/read", world.message.id)
    covers("PATCH", "/api/messages/{id}/read")
    await _same_as_missing(
        client, world, "GET", "/api/conversations/{id}/messages", world.conversation.id
    )
    covers("GET", "/api/conversations/{id}/messages")
    await _same_as_missing(
        client, world, "PATCH", "/api/conversations/{id}", world.conversation.id,
        json={"status": "resolved"},
    )  # fmt: skip
    covers("PATCH", "/api/conversations/{id}")
    await _same_as_missing(client, world, "DELETE", "/api/platforms/{id}", world.bob.account.id)
    covers("DELETE", "/api/platforms/{id}")
    await _same_as_missing(client, world, "POST", "/api/platforms/{id}/sync", world.bob.account.id)
    covers("POST", "/api/platforms/{id}/sync")
    await _same_as_missing(
        client, world, "GET", "/api/platforms/{id}/templates", world.bob.account.id
    )
    covers("GET", "/api/platforms/{id}/templates")
    theirs = await _answer(
        client,
        world.alice,
        "POST",
        "/api/messages",
        json={"conversation_id": str(world.conversation.id), "text": "hi"},
    )
    missing = await _answer(
        client,
        world.alice,
        "POST",
        "/api/messages",
        json={"conversation_id": MISSING, "text": "hi"},
    )
    assert theirs == missing and theirs[0] == 404
    template = {"name": "order_delivery_update", "language": "en_US", "parameters": {}}
    theirs = await _answer(
        client,
        world.alice,
        "POST",
        "/api/messages",
        json={"conversation_id": str(world.conversation.id), "template": template},
    )
    missing = await _answer(
        client,
        world.alice,
        "POST",
        "/api/messages",
        json={"conversation_id": MISSING, "template": template},
    )
    assert theirs == missing and theirs[0] == 404
    covers("POST", "/api/messages")
    await _unchanged(world)
    assert graph.requests == []

    # Lists: only A's rows, and filtering on B's ids looks like filtering on nothing.
    messages = await _list_json(client, world.alice, "/api/messages")
    assert [m["content"] for m in messages["items"]] == ["hello A"]
    for params in (
        {"account": str(world.bob.account.id)},
        {"conversation": str(world.conversation.id)},
    ):
        assert await _list_json(client, world.alice, "/api/messages", **params) == {
            "items": [],
            "next_cursor": None,
        }
    covers("GET", "/api/messages")
    conversations = await _list_json(client, world.alice, "/api/conversations")
    assert [c["participant_name"] for c in conversations["items"]] == ["Alice's customer"]
    empty = await _list_json(
        client, world.alice, "/api/conversations", account=str(world.bob.account.id)
    )
    assert empty["items"] == []
    covers("GET", "/api/conversations")
    accounts = await _list_json(client, world.alice, "/api/platforms")
    assert [a["id"] for a in accounts["items"]] == [str(world.alice.account.id)]
    covers("GET", "/api/platforms")
    invites = await _list_json(client, world.alice, "/api/invites")
    assert invites["items"] == []
    created = await client.post("/api/invites", headers=world.alice.headers)
    assert (await created.json())["code"] != "b-code"
    assert (
        await Invite.get(code=(await created.json())["code"])
    ).workspace_id == world.alice.workspace.id  # type: ignore[attr-defined]
    covers("GET", "/api/invites")
    covers("POST", "/api/invites")
    me = await _list_json(client, world.alice, "/api/auth/me")
    assert me["workspace_id"] == str(world.alice.workspace.id)
    covers("GET", "/api/auth/me")

    # Analytics: B's 777 messages never show up for A.
    for path in ("/api/analytics/daily", "/api/analytics/platform", "/api/analytics/stats"):
        assert "777" not in await (await client.get(path, headers=world.alice.headers)).text()
        covers("GET", path)
    stats = await _list_json(client, world.alice, "/api/analytics/stats")
    assert (stats["total_messages"], stats["conversations"]) == (0, 1)
    exported = await client.get(
        "/api/analytics/export", params={"format": "csv"}, headers=world.alice.headers
    )
    assert list(csv.reader(io.StringIO(await exported.text())))[1:] == []
    pdf = await client.get(
        "/api/analytics/export", params={"format": "pdf"}, headers=world.alice.headers
    )
    assert pdf.status == 200
    text = PdfReader(io.BytesIO(await pdf.read())).pages[0].extract_text()
    assert "messages 0" in text
    assert "777" not in text
    covers("GET", "/api/analytics/export")
    chart = await client.get(
        "/api/analytics/chart",
        params={"kind": "daily", "format": "svg"},
        headers=world.alice.headers,
    )
    assert b"777" not in await chart.read()
    covers("GET", "/api/analytics/chart")

    # Connecting B's WhatsApp number without its token: the same answer as an unknown number.
    key = client.app[SETTINGS].token_encryption_keys[0]
    await make_account(world.bob.workspace, "whatsapp", "106540352242922", key=key)
    theirs = await _answer(
        client,
        world.alice,
        "POST",
        "/api/platforms/whatsapp/connect",
        json={"phone_number_id": "106540352242922", "access_token": "guess"},
    )
    missing = await _answer(
        client,
        world.alice,
        "POST",
        "/api/platforms/whatsapp/connect",
        json={"phone_number_id": "999999999999999", "access_token": "guess"},
    )
    assert theirs[0] == missing[0] == 422
    assert (
        await PlatformAccount.get(external_id="106540352242922")
    ).workspace_id == world.bob.workspace.id  # type: ignore[attr-defined]
    covers("POST", "/api/platforms/whatsapp/connect")
    await _unchanged(world)

    # Routes without workspace objects (sign-in, OAuth start/callback, the document, webhooks)
    # are covered by their own tests; the callback binds the account to the state's workspace,
    # the Slack link's start (tests/bot/test_connect_command.py) to its ticket's.
    public = {
        ("POST", "/api/auth/register"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/refresh"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/platforms/instagram/connect"),
        ("POST", "/api/platforms/messenger/connect"),
        ("GET", "/api/platforms/callback"),
        ("GET", "/api/platforms/start"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/webhooks/{platform}"),
        ("POST", "/api/webhooks/{platform}"),
        # The same for every workspace: what the adapters say of their platforms.
        ("GET", "/api/platforms/catalog"),
        ("GET", "/api/platforms/{platform}/logo.svg"),
        # Per-account webhooks and form connects: tests/platforms/telegram/ (test_webhook,
        # test_connect: another workspace's bot is refused, even with its token).
        ("POST", "/api/webhooks/{platform}/{account}"),
        ("POST", "/api/platforms/telegram/connect"),
    }
    routes = {
        (r.method, r.resource.canonical)
        for r in client.app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith("/api/")
        and r.method not in ("HEAD", "OPTIONS")
    }
    assert routes - public == checked


async def test_another_workspaces_refresh_token_session_is_its_own(
    client: TestClient, world: World
) -> None:
    # A's token never opens B's data: the workspace comes from the token, not from a parameter.
    response = await client.get(
        "/api/messages",
        params={"workspace": str(world.bob.workspace.id)},
        headers=world.alice.headers,
    )
    assert "secret of B" not in await response.text()
    assert uuid.UUID((await response.json())["items"][0]["id"])
