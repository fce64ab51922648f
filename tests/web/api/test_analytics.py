"""/api/analytics/* on PostgreSQL: series, split, stats, charts, CSV and PDF exports."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from pypdf import PdfReader

from inbox import charts, rendering
from inbox.models import Analytics, Workspace
from inbox.platforms.registry import platform_names
from tests.factories import make_analytics, make_conversation, make_message
from tests.web.api.conftest import Member


def _day(n: int) -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=n)


@pytest.fixture
async def figures(alice: Member) -> Member:
    """Three days of figures on two platforms, and one row outside a 7-day period."""
    ws = alice.workspace
    await make_analytics(
        ws,
        _day(0),
        "messenger",
        total_messages=10,
        messages_in=6,
        messages_out=4,
        new_conversations=2,
        median_first_response_seconds=60.0,
        p90_first_response_seconds=300.0,
    )
    await make_analytics(
        ws,
        _day(0),
        "whatsapp",
        total_messages=5,
        messages_in=5,
        new_conversations=1,
        median_first_response_seconds=120.0,
    )
    await make_analytics(
        ws,
        _day(2),
        "messenger",
        total_messages=20,
        messages_in=12,
        messages_out=8,
        new_conversations=3,
        median_first_response_seconds=30.0,
    )
    await make_analytics(ws, _day(30), "messenger", total_messages=99, messages_in=99)
    return alice


async def _json(client: TestClient, member: Member, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    response = await client.get(path, params=params, headers=member.headers)
    assert response.status == 200, await response.text()
    return await response.json()  # type: ignore[no-any-return]


async def test_daily_is_zero_filled_oldest_first(client: TestClient, figures: Member) -> None:
    today = datetime.now(UTC).date()
    body = await _json(client, figures, "/api/analytics/daily", days="7")
    assert (body["days"], body["from"], body["to"]) == (7, _day(6).isoformat(), today.isoformat())
    assert [d["date"] for d in body["items"]] == [_day(n).isoformat() for n in range(6, -1, -1)]
    by_date = {d["date"]: d for d in body["items"]}
    assert by_date[today.isoformat()] == {
        "date": today.isoformat(),
        "total_messages": 15,
        "messages_in": 11,
        "messages_out": 4,
        "new_conversations": 3,
    }
    assert by_date[_day(2).isoformat()]["total_messages"] == 20
    assert by_date[_day(1).isoformat()]["total_messages"] == 0
    only = await _json(client, figures, "/api/analytics/daily", days="7", platform="whatsapp")
    assert sum(d["total_messages"] for d in only["items"]) == 5


async def test_per_platform_shares_and_response_times(client: TestClient, figures: Member) -> None:
    body = await _json(client, figures, "/api/analytics/platform", days="7")
    rows = {r["platform"]: r for r in body["items"]}
    assert set(rows) == {"messenger", "whatsapp"}
    assert rows["messenger"]["total_messages"] == 30
    assert rows["messenger"]["share"] == pytest.approx(30 / 35, abs=1e-4)
    # Daily medians weighted by incoming messages: (60*6 + 30*12) / 18.
    assert rows["messenger"]["median_first_response_seconds"] == 40.0
    assert rows["whatsapp"]["p90_first_response_seconds"] is None


async def test_stats_headline_and_unread_state(client: TestClient, figures: Member) -> None:
    conversation = await make_conversation(figures.account, unread=2)
    await make_message(conversation)
    body = await _json(client, figures, "/api/analytics/stats", days="7")
    assert body["total_messages"] == 35
    assert body["messages_in"] == 23
    assert body["new_conversations"] == 6
    assert body["busiest_day"] == {
        "date": _day(2).isoformat(),
        "total_messages": 20,
        "messages_in": 12,
        "messages_out": 8,
        "new_conversations": 3,
    }
    assert (body["conversations"], body["unread_conversations"], body["unread_messages"]) == (
        1,
        1,
        2,
    )
    assert body["active_accounts"] == 1
    wide = await _json(client, figures, "/api/analytics/stats", days="31")
    assert wide["total_messages"] == 35 + 99


@pytest.mark.parametrize("days", ["0", "367", "-1", "week"])
async def test_days_out_of_range_is_400(client: TestClient, alice: Member, days: str) -> None:
    response = await client.get(
        "/api/analytics/daily", params={"days": days}, headers=alice.headers
    )
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "days"


async def test_csv_export_contents(client: TestClient, figures: Member) -> None:
    today = datetime.now(UTC).date()
    response = await client.get(
        "/api/analytics/export", params={"format": "csv", "days": "7"}, headers=figures.headers
    )
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows == [
        [
            "date",
            "platform",
            "total_messages",
            "messages_in",
            "messages_out",
            "new_conversations",
            "median_first_response_seconds",
            "p90_first_response_seconds",
        ],
        [_day(2).isoformat(), "messenger", "20", "12", "8", "3", "30.0", ""],
        [today.isoformat(), "messenger", "10", "6", "4", "2", "60.0", "300.0"],
        [today.isoformat(), "whatsapp", "5", "5", "0", "1", "120.0", ""],
    ]


async def test_csv_export_of_many_rows_is_streamed_in_order(
    client: TestClient, alice: Member
) -> None:
    platforms = platform_names()
    await Analytics.bulk_create(
        [
            Analytics(workspace=alice.workspace, date=_day(n), platform=p, total_messages=n)
            for n in range(700)
            for p in platforms
        ]
    )
    response = await client.get(
        "/api/analytics/export", params={"format": "csv", "days": "3660"}, headers=alice.headers
    )
    assert response.status == 200
    assert "Content-Length" not in response.headers
    assert response.headers["Transfer-Encoding"] == "chunked"
    chunks = [chunk async for chunk, _ in response.content.iter_chunks()]
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))[1:]
    assert len(rows) == 700 * len(platforms)
    assert [(r[0], r[1]) for r in rows] == sorted((r[0], r[1]) for r in rows)
    assert rows[0] == [_day(699).isoformat(), "instagram", "699", "0", "0", "0", "", ""]
    assert len(chunks) > 1


async def test_pdf_export_has_the_summary_table_and_charts(
    client: TestClient, figures: Member
) -> None:
    response = await client.get(
        "/api/analytics/export", params={"format": "pdf", "days": "7"}, headers=figures.headers
    )
    assert response.status == 200
    assert response.content_type == "application/pdf"
    data = await response.read()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    assert reader.metadata is not None and reader.metadata.title == "cahts report: A"
    first = reader.pages[0].extract_text()
    for words in ("Summary", "Per platform", "messenger", "whatsapp", "35", "86%", "0m 57s"):
        assert words in first, words
    second = reader.pages[1].extract_text()
    assert "Messages per day" in second
    assert "Messages per platform" in second


async def test_a_dollar_in_the_workspace_name_prints_literally_in_the_pdf(
    client: TestClient, figures: Member
) -> None:
    name = "$x^2$ & $$ Shop"
    await Workspace.filter(id=figures.workspace.id).update(name=name)
    response = await client.get(
        "/api/analytics/export", params={"format": "pdf", "days": "7"}, headers=figures.headers
    )
    assert response.status == 200, await response.text()
    reader = PdfReader(io.BytesIO(await response.read()))
    assert reader.metadata is not None and reader.metadata.title == f"cahts report: {name}"
    assert f"cahts report: {name}" in reader.pages[0].extract_text()


async def test_exports_past_the_bound_are_429_and_a_login_still_answers(
    client: TestClient, figures: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    threads: list[str] = []
    real = charts.report_pdf
    loop = asyncio.get_running_loop()
    both_rendering = asyncio.Event()

    def held_render(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.current_thread().name)
        if len(threads) == 2:
            loop.call_soon_threadsafe(both_rendering.set)
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "report_pdf", held_render)
    pdf = {"format": "pdf", "days": "7"}

    async def export(params: dict[str, str]) -> ClientResponse:
        return await client.get("/api/analytics/export", params=params, headers=figures.headers)

    running = [asyncio.create_task(export(pdf)) for _ in range(2)]
    try:
        await asyncio.wait_for(both_rendering.wait(), 30)
        refused = await asyncio.gather(*(export(pdf) for _ in range(4)), export({"format": "csv"}))
        assert [r.status for r in refused] == [429] * 5
        assert all(int(r.headers["Retry-After"]) > 0 for r in refused)
        assert (await refused[0].json())["error"]["code"] == "rate_limited"

        # The renders fill their own pool, not the executor that checks passwords.
        started = time.monotonic()
        login = await client.post(
            "/api/auth/login", json={"email": figures.user.email, "password": "correct horse"}
        )
        assert login.status == 200
        assert time.monotonic() - started < 10
        assert all(name.startswith(rendering.THREAD_PREFIX) for name in threads), threads
    finally:
        release.set()
    done = await asyncio.gather(*running)
    assert [r.status for r in done] == [200, 200]
    assert (await export(pdf)).status == 200  # the slots are given back


@pytest.mark.parametrize("params", [{}, {"format": "xlsx"}, {"format": "csv", "days": "0"}])
async def test_bad_export_requests_are_400(
    client: TestClient, alice: Member, params: dict[str, str]
) -> None:
    response = await client.get("/api/analytics/export", params=params, headers=alice.headers)
    assert response.status == 400
    assert (await response.json())["error"]["field"] in ("format", "days")


@pytest.mark.parametrize(
    ("kind", "fmt", "magic"),
    [
        ("daily", "png", b"\x89PNG"),
        ("platform", "svg", b"<?xml"),
        ("daily", "svg", b"<?xml"),
        ("response", "svg", b"<?xml"),
    ],
)
async def test_chart_images(
    client: TestClient, figures: Member, kind: str, fmt: str, magic: bytes
) -> None:
    response = await client.get(
        "/api/analytics/chart", params={"kind": kind, "format": fmt}, headers=figures.headers
    )
    assert response.status == 200
    body = await response.read()
    assert body.startswith(magic)
    if fmt == "svg":
        assert b"<svg" in body
        titles = {"daily": b"Messages per day", "platform": b"Messages per platform"}
        assert titles.get(kind, b"First response time") in body
