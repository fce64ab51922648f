"""Customer files stream through disk into Slack: the same bytes, a bounded number at once."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

import pytest
from aiohttp import web

from bot.mirror import media
from tests.bot.conftest import CHANNEL, CUSTOMER, Loop, messenger_items, now_ms
from tests.fakes.graph import FakeGraph
from tests.tasks.conftest import eventually


def _file_message(url: str, mid: str) -> dict[str, Any]:
    return {
        "sender": {"id": CUSTOMER},
        "recipient": {"id": "104578291736452"},
        "timestamp": now_ms(),
        "message": {"mid": mid, "attachments": [{"type": "file", "payload": {"url": url}}]},
    }


async def _streamed(request: web.Request, data: bytes) -> web.StreamResponse:
    """Answer in chunks without a Content-Length, as a CDN streaming a file may."""
    response = web.StreamResponse(headers={"Content-Type": "application/pdf"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(data), 100_000):
        await response.write(data[start : start + 100_000])
    await response.write_eof()
    return response


async def test_a_large_file_arrives_in_the_thread_byte_for_byte(loop: Loop) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # many chunks, not a multiple of any of them

    async def cdn(request: web.Request, path: str, body: Any) -> web.StreamResponse:
        return await _streamed(request, data)

    loop.graph.routes["GET /cdn/catalogue.pdf"] = cdn
    url = f"{loop.graph.url}/cdn/catalogue.pdf"
    await loop.webhook("messenger", messenger_items([_file_message(url, "m_pdf")]))

    [upload] = loop.slack.uploads
    assert hashlib.sha256(upload["data"]).hexdigest() == hashlib.sha256(data).hexdigest()
    assert upload["channel"] == CHANNEL
    assert upload["title"] == "file-1.pdf"


async def test_a_file_over_the_limit_is_refused_in_words_and_not_uploaded(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_MAX_FILE_BYTES", str(1024 * 1024))
    data = os.urandom(1024 * 1024 + 1)

    async def cdn(request: web.Request, path: str, body: Any) -> web.StreamResponse:
        return await _streamed(request, data)  # no Content-Length: counted while it arrives

    loop.graph.routes["GET /cdn/huge.bin"] = cdn
    await loop.webhook(
        "messenger", messenger_items([_file_message(f"{loop.graph.url}/cdn/huge.bin", "m_big")])
    )

    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == "_sent a file (not copied to Slack: larger than 1 MB)_"
    assert loop.slack.uploads == []


async def test_no_more_transfers_run_at_once_than_the_tunable_allows(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_MEDIA_TRANSFERS", "2")
    files = {f"/cdn/{n}": os.urandom(200_000 + n) for n in range(5)}
    release = asyncio.Event()
    in_flight = 0
    peak = 0

    async def cdn(request: web.Request, path: str, body: Any) -> web.StreamResponse:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await release.wait()
            return await _streamed(request, files[path])
        finally:
            in_flight -= 1

    for path in files:
        graph.routes[f"GET {path}"] = cdn
    async with media.session() as http:

        async def one(path: str) -> bytes:
            file, size, _ = await media.fetch(http, graph.url + path, trusted=(graph.url,))
            with file:
                data = file.read()
            assert size == len(data)
            return data

        tasks = [asyncio.create_task(one(path)) for path in files]
        # Two reach the CDN; the other three are held at the gate, not on the wire.
        await eventually(lambda: in_flight == 2 and media.transfers_waiting() == 3)
        assert peak == 2
        release.set()
        fetched = await asyncio.gather(*tasks)

    assert fetched == list(files.values())
    assert peak == 2
    assert media.transfers_waiting() == 0
