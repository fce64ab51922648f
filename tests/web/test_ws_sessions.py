"""A socket lives no longer than its sign-in: logout, a reused refresh token, token expiry."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from inbox.models import Message, RefreshToken, User
from inbox.services.sessions.api_tokens import (
    ACCESS_TTL,
    TokenPair,
    encode_access,
    logout,
    start_session,
)
from tests.web.test_ws import _connect, _next_of, _post, _workspace_with_account
from web import ws as ws_module

CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


async def _alice(client: TestClient) -> tuple[User, TokenPair]:
    user = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    return user, await start_session(user, client.app[SETTINGS].jwt_secret)


async def _closing(socket: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    """The close frame, skipping the events that may come before it."""
    while True:
        message = await socket.receive(timeout=10)
        if message.type in CLOSED:
            return message


def _short_token(client: TestClient, user: User, family: uuid.UUID, seconds: int) -> str:
    """An access token of this session that expires in about `seconds` (issued in the past)."""
    issued = datetime.now(UTC) - ACCESS_TTL + timedelta(seconds=seconds)
    return encode_access(user, family, client.app[SETTINGS].jwt_secret, issued)


async def test_logout_closes_the_open_socket(client: TestClient) -> None:
    _, pair = await _alice(client)
    socket = await _connect(client, pair.access)

    response = await client.post("/api/auth/logout", json={"refresh": pair.refresh})

    assert response.status == 204
    closing = await _closing(socket)
    assert (closing.data, closing.extra) == (ws_module.UNAUTHORIZED, "session ended: logged out")


async def test_a_reused_refresh_token_closes_every_socket_of_the_session(
    client: TestClient,
) -> None:
    alice, pair = await _alice(client)
    other_session = await start_session(alice, client.app[SETTINGS].jwt_secret)
    before = await _connect(client, pair.access)
    rotated = await client.post("/api/auth/refresh", json={"refresh": pair.refresh})
    after = await _connect(client, (await rotated.json())["access"])
    untouched = await _connect(client, other_session.access)

    # The old refresh token comes back (stolen): the whole session ends.
    reused = await client.post("/api/auth/refresh", json={"refresh": pair.refresh})

    assert reused.status == 401
    for socket in (before, after):
        closing = await _closing(socket)
        assert closing.data == ws_module.UNAUTHORIZED
        assert closing.extra == "session ended: a refresh token was used twice"
    await untouched.send_json({"type": "ping"})
    assert (await untouched.receive_json(timeout=5)) == {"type": "pong"}


async def test_mark_read_after_logout_is_refused(client: TestClient) -> None:
    _, pair = await _alice(client)
    socket = await _connect(client, pair.access)
    await _post(client, "messenger", "text")
    message_id = (await _next_of(socket, "new_message"))["message"]["id"]

    # Logged out where no event reaches this server (or before it does): the socket's own
    # check refuses the write.
    await logout(pair.refresh)
    await socket.send_json({"type": "mark_read", "message_id": message_id})

    closing = await _closing(socket)
    assert (closing.data, closing.extra) == (ws_module.UNAUTHORIZED, "session ended")
    assert (await Message.get(id=message_id)).is_read is False


async def test_mark_read_right_behind_a_logout_is_refused(client: TestClient) -> None:
    _, pair = await _alice(client)
    socket = await _connect(client, pair.access)
    await _post(client, "messenger", "text")
    message_id = (await _next_of(socket, "new_message"))["message"]["id"]

    await client.post("/api/auth/logout", json={"refresh": pair.refresh})
    await socket.send_json({"type": "mark_read", "message_id": message_id})

    assert (await _closing(socket)).data == ws_module.UNAUTHORIZED
    assert (await Message.get(id=message_id)).is_read is False


async def test_a_socket_closes_when_its_access_token_expires(client: TestClient) -> None:
    alice, _ = await _alice(client)
    family = (await RefreshToken.get()).family_id
    socket = await client.ws_connect("/ws/messages/")
    await socket.send_json(
        {"type": "authenticate", "token": _short_token(client, alice, family, 2)}
    )
    authenticated = await socket.receive_json(timeout=5)
    assert authenticated["type"] == "authenticated"
    assert authenticated["expires_in"] <= 2
    await socket.send_json({"type": "subscribe_messages"})
    opened = time.monotonic()

    closing = await _closing(socket)

    assert (closing.data, closing.extra) == (ws_module.UNAUTHORIZED, ws_module.EXPIRED)
    assert time.monotonic() - opened < 8


async def test_a_fresh_token_sent_on_the_open_socket_keeps_it_open_past_the_old_expiry(
    client: TestClient,
) -> None:
    alice, pair = await _alice(client)
    family = (await RefreshToken.get()).family_id
    socket = await _connect(client, _short_token(client, alice, family, 2))

    await socket.send_json({"type": "authenticate", "token": pair.access})
    again = await socket.receive_json(timeout=5)
    assert again["type"] == "authenticated"
    assert again["expires_in"] > ACCESS_TTL.total_seconds() - 60
    await asyncio.sleep(3)  # past the first token's expiry

    await _post(client, "messenger", "text")
    frame = await _next_of(socket, "new_message")
    assert frame["message"]["content"] == "Sharp tools make good work."  # the text fixture
    await socket.send_json({"type": "ping"})
    assert (await socket.receive_json(timeout=5)) == {"type": "pong"}


async def test_a_socket_cannot_be_re_authenticated_as_someone_else(client: TestClient) -> None:
    _, pair = await _alice(client)
    bob = await _workspace_with_account(client, "B", "whatsapp", "b@example.com")
    bobs = await start_session(bob, client.app[SETTINGS].jwt_secret)
    socket = await _connect(client, pair.access)

    await socket.send_json({"type": "authenticate", "token": bobs.access})

    closing = await _closing(socket)
    assert closing.data == ws_module.UNAUTHORIZED
    assert closing.extra == "a socket stays with the user who opened it"
