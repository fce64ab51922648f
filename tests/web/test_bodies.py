"""Slow and heavy request bodies, over a real socket: a deadline, a budget, the connection freed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestClient

from inbox.models import WebhookLog
from tests.conftest import APP_SECRET
from tests.helpers import load_fixture, sign_meta
from web.bodies import BUDGET

MIB = 1024 * 1024
# Each route reads its body in its own way: raw bytes, the API's JSON, Slack's signed form.
BODY_ROUTES = ["/api/webhooks/messenger", "/api/auth/login", "/slack/events"]


async def _stall(client: TestClient, path: str, declared: int, sent: int) -> asyncio.StreamReader:
    """Headers announcing `declared` bytes, then only `sent` of them; the socket stays open."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: cahts.test\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: sha256={'0' * 64}\r\nContent-Length: {declared}\r\n\r\n"
    )
    writer.write(head.encode() + b"{" + b" " * (sent - 1))
    await writer.drain()
    _WRITERS.append(writer)
    return reader


_WRITERS: list[asyncio.StreamWriter] = []


@pytest.fixture(autouse=True)
async def _close_sockets() -> object:
    yield None
    for writer in _WRITERS:
        writer.close()
    _WRITERS.clear()


async def _answer(reader: asyncio.StreamReader, within: float = 20) -> tuple[int, dict[str, str]]:
    """The status and headers of the server's answer, and proof it then closed the socket."""
    async with asyncio.timeout(within):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        await reader.readexactly(int(headers.get("Content-Length", "0")))
        assert await reader.read() == b"", "the connection stayed open"
    return int(lines[0].split()[1]), headers


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("path", BODY_ROUTES)
async def test_a_body_that_stalls_gets_408_and_its_connection_is_released(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setenv("BODY_READ_SECONDS", "1")
    reader = await _stall(client, path, declared=4 * MIB, sent=64 * 1024)

    status, headers = await _answer(reader)

    assert status == 408
    assert headers["Connection"].lower() == "close"
    assert client.app[BUDGET].in_use == 0
    assert await WebhookLog.all().count() == 0


async def test_bodies_past_the_budget_are_503_and_the_budget_comes_back(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BODY_BUDGET_BYTES", str(5 * MIB))
    monkeypatch.setenv("BODY_READ_SECONDS", "60")
    await _stall(client, "/api/webhooks/messenger", 4 * MIB, 1024)  # held open
    await _until(lambda: client.app[BUDGET].in_use >= 4 * MIB, "the held body's reservation")

    refused = await _stall(client, "/api/webhooks/messenger", 2 * MIB, 1024)
    status, headers = await _answer(refused)
    assert status == 503 and int(headers["Retry-After"]) > 0

    _WRITERS[0].close()  # the client of the held body goes away
    await _until(lambda: client.app[BUDGET].in_use == 0, "the budget to come back")
    body = json.dumps(load_fixture("messenger", "text")).encode()
    response = await client.post(
        "/api/webhooks/messenger", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 200


async def test_a_declared_body_over_the_limit_is_413_before_it_is_read(client: TestClient) -> None:
    reader = await _stall(client, "/api/webhooks/messenger", 5 * MIB, 10)

    status, _ = await _answer(reader)

    assert status == 413
    assert client.app[BUDGET].in_use == 0
