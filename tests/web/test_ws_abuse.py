"""/ws/messages/ under abuse: odd frames, floods of idle sockets, and two workspaces' events.

tests/web/test_ws.py covers the basics (garbage, binary and too many frames, origin, logout,
new_message and mark_read across workspaces); these add the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import event, given
from hypothesis import strategies as st

from inbox.appkeys import BUS
from inbox.metrics import WEBSOCKETS
from inbox.models import User
from tests.fuzzing import fuzz_settings, json_values
from tests.helpers import raw_event
from tests.web.test_ws import _connect, _next_of, _post, _token, _workspace_with_account
from web import ws as ws_module

CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


def _open_sockets() -> float:
    return WEBSOCKETS._value.get()  # type: ignore[attr-defined,no-any-return]


async def _closed_with(socket: aiohttp.ClientWebSocketResponse) -> int | None:
    """The close code the server sent, skipping answers that came before it."""
    while True:
        message = await socket.receive(timeout=5)
        if message.type in CLOSED:
            return socket.close_code if message.type != aiohttp.WSMsgType.CLOSE else message.data


@pytest.mark.parametrize(
    ("first", "code"),
    [
        (b"\x00binary first", aiohttp.WSCloseCode.UNSUPPORTED_DATA),
        ("[" * 10_000 + "]" * 10_000, ws_module.UNAUTHORIZED),
        ('{"type": "authenticate", "token": ' + "[" * 100 + "]" * 100 + "}", 4401),
        ("x" * (ws_module.MAX_FRAME + 1), aiohttp.WSCloseCode.MESSAGE_TOO_BIG),
    ],
    ids=["binary", "deep", "deep-token", "too-big"],
)
async def test_an_odd_first_frame_closes_the_socket(
    client: TestClient, first: str | bytes, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    socket = await client.ws_connect("/ws/messages/", max_msg_size=0)
    if isinstance(first, bytes):
        await socket.send_bytes(first)
    else:
        await socket.send_str(first)
    assert await _closed_with(socket) == code
    assert (await client.get("/healthz")).status == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_deep_json_after_authenticating_closes_the_socket(client: TestClient) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    socket = await _connect(client, await _token(client, alice))
    await socket.send_str('{"type": "ping", "x": ' + "[" * 5000 + "]" * 5000 + "}")
    assert await _closed_with(socket) == aiohttp.WSCloseCode.INVALID_TEXT


async def test_a_flood_of_sockets_that_never_authenticate_leaves_the_server_fine(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ws_module, "AUTH_TIMEOUT", 2.0)
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    before = _open_sockets()
    count = 150
    url = client.make_url("/ws/messages/")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = await asyncio.gather(*(session.ws_connect(url) for _ in range(count)))
        assert _open_sockets() == before + count
        closing = asyncio.gather(*(_closed_with(s) for s in sockets))
        codes = await asyncio.wait_for(closing, 15)
    assert codes == [ws_module.UNAUTHORIZED] * count
    for _ in range(50):  # the server side finishes its handlers just after the close frame
        if _open_sockets() == before:
            break
        await asyncio.sleep(0.05)
    assert _open_sockets() == before
    # Business as usual afterwards: a real client still gets its events.
    socket = await _connect(client, await _token(client, alice))
    await _post(client, "messenger", "text")
    assert (await _next_of(socket, "new_message"))["message"]["platform"] == "messenger"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_every_event_type_reaches_its_own_workspace_only(client: TestClient) -> None:
    alice = await _workspace_with_account(client, "A", "messenger", "a@example.com")
    bob = await _workspace_with_account(client, "B", "whatsapp", "b@example.com")
    socket_a = await _connect(client, await _token(client, alice))
    socket_b = await _connect(client, await _token(client, bob))
    bob_workspace = str(bob.workspace_id)  # type: ignore[attr-defined]
    bus = client.app[BUS]
    for kind in sorted(ws_module.FORWARDED):
        await bus.publish(raw_event({"type": kind, "workspace_id": bob_workspace, "marker": kind}))
    await bus.publish(raw_event({"type": "new_message", "marker": "no workspace"}))
    await bus.publish(raw_event({"type": "slack_internal", "workspace_id": bob_workspace}))
    received = [await socket_b.receive_json(timeout=5) for _ in ws_module.FORWARDED]
    assert sorted(frame["marker"] for frame in received) == sorted(ws_module.FORWARDED)
    with pytest.raises(TimeoutError):
        await socket_b.receive_json(timeout=0.3)
    with pytest.raises(TimeoutError):
        await socket_a.receive_json(timeout=0.3)


def _frames() -> st.SearchStrategy[str]:
    """Text frames: JSON objects with real and odd types, any JSON, any text."""
    typed = st.fixed_dictionaries(
        {"type": st.sampled_from(["authenticate", "subscribe_messages", "mark_read", "ping"])},
        optional={"token": json_values(6), "message_id": json_values(6), "extra": json_values(6)},
    )
    return st.one_of(typed.map(json.dumps), json_values().map(json.dumps), st.text(max_size=50))


@pytest.fixture
async def member(client: TestClient) -> User:
    """One user for all the examples of a property."""
    return await _workspace_with_account(client, "W", "messenger", "w@example.com")


@fuzz_settings(60)
@given(frames=st.lists(_frames(), min_size=1, max_size=4))
async def test_any_text_frames_are_answered_or_close_the_socket(
    client: TestClient, member: User, frames: list[str]
) -> None:
    socket = await _connect(client, await _token(client, member))
    for frame in frames:
        await socket.send_str(frame)
    await socket.send_str('{"type": "ping"}')
    answers: list[dict[str, Any]] = []
    while len(answers) < len(frames) + 1:  # one answer per frame, or the socket closes
        message = await socket.receive(timeout=5)
        if message.type in CLOSED:
            event(f"closed {message.data}")
            allowed = {aiohttp.WSCloseCode.INVALID_TEXT, ws_module.POLICY}
            if any('"authenticate"' in frame for frame in frames):
                allowed.add(ws_module.UNAUTHORIZED)  # a re-authentication that fails closes
            assert message.data in allowed
            break
        answers.append(json.loads(message.data))
    else:
        event("every frame answered")
        assert answers[-1] == {"type": "pong"}
    assert all(a["type"] in ("subscribed", "pong", "error") for a in answers)
    await socket.close()
    assert (await client.get("/healthz")).status == 200
