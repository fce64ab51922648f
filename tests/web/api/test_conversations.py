"""PATCH /api/conversations/{id}: resolve, reopen, assign — in the database and on the bus."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from inbox.appkeys import BUS
from inbox.models import Conversation, User
from tests.factories import make_conversation
from tests.web.api.conftest import Member, signed_in


async def _patch(client: TestClient, member: Member, conversation_id: object, body: object):  # type: ignore[no-untyped-def]
    return await client.patch(
        f"/api/conversations/{conversation_id}", json=body, headers=member.headers
    )


async def test_resolve_assign_and_reopen(client: TestClient, alice: Member) -> None:
    conversation = await make_conversation(alice.account)
    me = await User.get(workspace_id=alice.workspace.id)
    with client.app[BUS].subscribe() as events:
        response = await _patch(
            client, alice, conversation.id, {"status": "resolved", "assignee_id": str(me.id)}
        )
        assert response.status == 200
        body = await response.json()
        assert (body["status"], body["assignee_id"]) == ("resolved", str(me.id))
        stored = await Conversation.get(id=conversation.id)
        assert (stored.status, stored.assignee_id) == ("resolved", me.id)  # type: ignore[attr-defined]
        first = await asyncio.wait_for(events.get(), timeout=2)
        assert first["type"] == "conversation_updated"
        assert first["conversation_id"] == str(conversation.id)

    reopened = await _patch(client, alice, conversation.id, {"status": "open", "assignee_id": None})
    assert reopened.status == 200
    stored = await Conversation.get(id=conversation.id)
    assert (stored.status, stored.assignee_id) == ("open", None)  # type: ignore[attr-defined]


async def test_bad_updates_are_422_and_change_nothing(client: TestClient, alice: Member) -> None:
    conversation = await make_conversation(alice.account)
    bob = await signed_in(client, "B", "bob@example.com", "222222222222222")
    stranger = await User.get(workspace_id=bob.workspace.id)
    for body, field in [
        ({"status": "snoozed"}, "status"),
        ({"assignee_id": str(stranger.id)}, "assignee_id"),
        ({"assignee_id": "not-a-uuid"}, "assignee_id"),
        ({"colour": "red"}, None),
    ]:
        response = await _patch(client, alice, conversation.id, body)
        assert response.status == 422, body
        error = (await response.json())["error"]
        if field:
            assert field in error["message"], error
    stored = await Conversation.get(id=conversation.id)
    assert (stored.status, stored.assignee_id) == ("open", None)  # type: ignore[attr-defined]
