"""The /ws/messages/ socket with a real client: auth first, own workspace only, bad frames."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from inbox.models import Conversation, Message, User
from inbox.services.sessions.api_tokens import start_session
from tests.conftest import APP_SECRET
from tests.factories import make_account, make_user, make_workspace
from tests.helpers import fixture_bytes, lose_connection_at_next_begin, sign_meta
from web import ws as ws_module


async def _token(client: TestClient, user: User) -> str:
    pair = await start_session(user, client.app[SETTINGS].jwt_secret)
    return pair.access


async def _workspace_with_account(client: TestClient, name: str, platform: str, email: str) -> User:
    workspace = await make_workspace(name)
    await make_account(workspace, platform, key=client.app[SETTINGS].token_encryption_keys[0])
    return await make_user(workspace, email)


async def _connect(client: TestClient, token: str) -> aiohttp.ClientWebSocketResponse:
    socket = await client.ws_connect("/ws/messages/")
    await socket.send_json({"type": "authenticate", "token": token})
    assert (await socket.receive_json(timeout=5))["type"] == "authenticated"
    await socket.send_json({"type": "subscribe_messages"})
    assert (await socket.receive_json(timeout=5))["type"] == "subscribed"
    return socket


async def _post(client: TestClient, platform: str, name: str) -> None:
    body = fixture_bytes(platform, name)
    response = await client.post(
        f"/api/webhooks/{platform}", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 200


async def _next_of(socket: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        frame = await socket.receive_json(timeout=5)
        if frame["type"] == kind:
            return frame


async def test_unauthenticated_socket_gets_nothing_and_is_closed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_module, "AUTH_TIMEOUT", 0.3)
    user = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    assert user
    socket = await client.ws_connect("/ws/messages/")
    await _post(client, "messenger", "text")
    message = await socket.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.CLOSE
    assert message.data == ws_module.UNAUTHORIZED


@pytest.mark.parametrize(
    "first",
    [
        {"type": "authenticate", "token": "not-a-jwt"},
        {"type": "subscribe_messages"},
        {"type": "authenticate"},
    ],
)
async def test_bad_authentication_closes(client: TestClient, first: dict[str, Any]) -> None:
    socket = await client.ws_connect("/ws/messages/")
    await socket.send_json(first)
    message = await socket.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.CLOSE
    assert message.data == ws_module.UNAUTHORIZED


async def test_new_message_arrives_live_for_the_own_workspace_only(client: TestClient) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    bob = await _workspace_with_account(client, "B", "whatsapp", "b@example.com")
    socket_a = await _connect(client, await _token(client, alice))
    socket_b = await _connect(client, await _token(client, bob))
    await _post(client, "messenger", "text")
    frame = await _next_of(socket_a, "new_message")
    assert frame["message"]["content"] == "Sharp tools make good work."  # the text fixture
    assert frame["conversation"]["unread_count"] == 1
    with pytest.raises(TimeoutError):
        await socket_b.receive_json(timeout=0.5)
    await _post(client, "whatsapp", "text")
    frame_b = await _next_of(socket_b, "new_message")
    assert frame_b["message"]["content"] == "Body Text"
    with pytest.raises(TimeoutError):
        await socket_a.receive_json(timeout=0.5)


async def test_mark_read_over_the_socket(client: TestClient) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    socket = await _connect(client, await _token(client, alice))
    await _post(client, "messenger", "text")
    message_id = (await _next_of(socket, "new_message"))["message"]["id"]
    await socket.send_json({"type": "mark_read", "message_id": message_id})
    frame = await _next_of(socket, "message_read")
    assert frame["message_id"] == message_id
    assert frame["unread_count"] == 0
    assert (await Message.get(id=message_id)).is_read is True
    assert (await Conversation.get()).unread_count == 0
    await socket.send_json({"type": "mark_read", "message_id": "nope"})
    assert (await socket.receive_json(timeout=5))["code"] == "invalid"


async def test_a_connection_lost_during_mark_read_is_told_and_the_socket_keeps_working(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database goes away just as mark_read sends BEGIN. The client is told, keeps its
    # socket, and its next mark_read works: the dead transaction Tortoise leaves in the
    # context of the task that began it must not be this long-lived socket's.
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    socket = await _connect(client, await _token(client, alice))
    await _post(client, "messenger", "text")
    message_id = (await _next_of(socket, "new_message"))["message"]["id"]
    lost = lose_connection_at_next_begin(monkeypatch)
    await socket.send_json({"type": "mark_read", "message_id": message_id})
    frame = await socket.receive_json(timeout=5)
    assert frame["type"] == "error" and frame["code"] == "database_unavailable", frame
    assert (await Message.get(id=message_id)).is_read is False
    await socket.send_json({"type": "mark_read", "message_id": message_id})
    read = await _next_of(socket, "message_read")
    assert lost == [True]
    assert read["message_id"] == message_id and read["unread_count"] == 0
    assert (await Message.get(id=message_id)).is_read is True


async def test_another_workspaces_message_cannot_be_marked(client: TestClient) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    bob = await _workspace_with_account(client, "B", "whatsapp", "b@example.com")
    await _post(client, "messenger", "text")
    socket_b = await _connect(client, await _token(client, bob))
    target = await Message.get()
    await socket_b.send_json({"type": "mark_read", "message_id": str(target.id)})
    assert (await socket_b.receive_json(timeout=5))["code"] == "not_found"
    assert (await Message.get()).is_read is False
    assert alice


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (lambda s: s.send_bytes(b"\x00\x01"), aiohttp.WSCloseCode.UNSUPPORTED_DATA),
        (lambda s: s.send_str("{not json"), aiohttp.WSCloseCode.INVALID_TEXT),
        (lambda s: s.send_str("[1, 2]"), aiohttp.WSCloseCode.INVALID_TEXT),
    ],
)
async def test_garbage_frames_close_the_socket(client: TestClient, send: Any, code: int) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    socket = await _connect(client, await _token(client, alice))
    await send(socket)
    message = await socket.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.CLOSE
    assert message.data == code
    assert (await client.get("/healthz")).status == 200


async def test_a_flood_is_cut_off(client: TestClient) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    socket = await _connect(client, await _token(client, alice))
    for _ in range(ws_module.MAX_FRAMES_PER_SECOND + 5):
        if socket.closed:
            break
        await socket.send_str(json.dumps({"type": "ping"}))
    closed = None
    for _ in range(100):
        message = await socket.receive(timeout=5)
        if message.type == aiohttp.WSMsgType.CLOSE:
            closed = message.data
            break
    assert closed == ws_module.POLICY


async def test_foreign_origin_is_refused(client: TestClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
        await client.ws_connect("/ws/messages/", headers={"Origin": "https://evil.example"})
    assert raised.value.status == 403
    socket = await client.ws_connect(
        "/ws/messages/", headers={"Origin": client.app[SETTINGS].public_url}
    )
    await socket.close()


async def test_logout_ends_the_socket_session(client: TestClient) -> None:
    from inbox.services.sessions.api_tokens import logout

    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    pair = await start_session(alice, client.app[SETTINGS].jwt_secret)
    await logout(pair.refresh)
    socket = await client.ws_connect("/ws/messages/")
    await socket.send_json({"type": "authenticate", "token": pair.access})
    message = await socket.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.CLOSE
