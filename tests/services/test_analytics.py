"""Daily analytics on a hand-computed data set, on PostgreSQL and on the embedded SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from inbox import db, schema
from inbox.models import Analytics, Conversation, Message, PlatformAccount, Workspace
from inbox.services.analytics.daily import aggregate, by_platform, daily, stats
from inbox.settings import Settings, load_settings
from tests.conftest import cahts_env, truncate
from tests.factories import make_account, make_workspace

DAY1, DAY2, DAY3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
START, END = date(2026, 3, 1), DAY3


@pytest.fixture(params=["postgres", "sqlite"])
async def backend(
    request: pytest.FixtureRequest, pg_database: str, tmp_path: Path
) -> AsyncIterator[Settings]:
    """An empty database of either kind, connected for the test."""
    if request.param == "postgres":
        settings = load_settings(cahts_env(pg_database), read_dotenv=False)
        await truncate(pg_database)
    else:
        url = f"sqlite://{tmp_path / 'analytics.db'}"
        await schema.migrate(url)
        settings = load_settings(cahts_env(url), read_dotenv=False)
    await db.connect(settings)
    yield settings
    await db.close()


def at(day: date, clock: str) -> datetime:
    """A UTC instant on a day, from "HH:MM:SS"."""
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, seconds, tzinfo=UTC)


async def talk(
    account: PlatformAccount, customer: str, *lines: tuple[str, datetime, str]
) -> Conversation:
    """A conversation with messages: ("in" | "out", when, status)."""
    conversation = await Conversation.create(
        workspace_id=account.workspace_id,  # type: ignore[attr-defined]
        platform_account=account,
        participant_id=customer,
    )
    for direction, when, status in lines:
        await Message.create(
            workspace_id=account.workspace_id,  # type: ignore[attr-defined]
            platform_account=account,
            conversation=conversation,
            platform_message_id=f"m_{uuid.uuid4().hex}",
            is_incoming=direction == "in",
            status=status,
            received_at=when,
        )
    return conversation


IN = "received"


async def fixture_data(settings: Settings) -> tuple[Workspace, Workspace, dict[str, Any]]:
    """The data set whose figures are worked out by hand in the tests below."""
    key = settings.token_encryption_keys[0]
    a, b = await make_workspace("A"), await make_workspace("B")
    messenger = await make_account(a, "messenger", key=key)
    instagram = await make_account(a, "instagram", key=key)
    other = await make_account(b, "messenger", "999000111", key=key)
    # Messenger, day 1: waits 120 (c1), 600 (c2, the failed reply does not count), 40 (c4);
    # c3 unanswered, c5's reply still pending. New: c1 c2 c3 c5 (c4 began in February).
    c1 = await talk(
        messenger,
        "c1",
        ("in", at(DAY1, "09:00:00"), IN),
        ("in", at(DAY1, "09:00:30"), IN),
        ("out", at(DAY1, "09:02:00"), "sent"),
        ("out", at(DAY1, "09:05:00"), "delivered"),
        # day 2: 60
        ("in", at(DAY2, "08:00:00"), IN),
        ("out", at(DAY2, "08:01:00"), "read"),
    )
    c2 = await talk(
        messenger,
        "c2",
        ("in", at(DAY1, "10:00:00"), IN),
        ("out", at(DAY1, "10:00:10"), "failed"),
        ("out", at(DAY1, "10:10:00"), "read"),
        # day 2: asked at 23:59, answered after midnight (day 3, outside the range): 300
        ("in", at(DAY2, "23:59:00"), IN),
        ("out", at(DAY3, "00:04:00"), "sent"),
    )
    c3 = await talk(messenger, "c3", ("in", at(DAY1, "11:00:00"), IN))
    # day 2, new: 600 from the first question of the day
    await talk(
        messenger,
        "c6",
        ("in", at(DAY2, "15:00:00"), IN),
        ("in", at(DAY2, "15:05:00"), IN),
        ("out", at(DAY2, "15:10:00"), "sent"),
    )
    await talk(
        messenger,
        "c4",
        ("in", at(date(2026, 2, 27), "12:00:00"), IN),
        ("out", at(date(2026, 2, 27), "12:30:00"), "sent"),
        ("in", at(DAY1, "12:00:00"), IN),
        ("out", at(DAY1, "12:00:40"), "sent"),
    )
    await talk(
        messenger, "c5", ("in", at(DAY1, "13:00:00"), IN), ("out", at(DAY1, "13:30:00"), "pending")
    )
    # Instagram, day 1: waits 5, 600, 1, 120; all four new.
    await talk(
        instagram, "i1", ("in", at(DAY1, "14:00:00"), IN), ("out", at(DAY1, "14:00:05"), "sent")
    )
    await talk(
        instagram,
        "i2",
        ("in", at(DAY1, "14:10:00"), IN),
        ("out", at(DAY1, "14:20:00"), "sent"),
        ("in", at(DAY1, "14:30:00"), IN),
    )
    await talk(
        instagram, "i3", ("in", at(DAY1, "16:00:00"), IN), ("out", at(DAY1, "16:00:01"), "read")
    )
    await talk(
        instagram, "i4", ("in", at(DAY1, "16:10:00"), IN), ("out", at(DAY1, "16:12:00"), "sent")
    )
    # Workspace B, day 2: one conversation answered in 30 s.
    await talk(other, "b1", ("in", at(DAY2, "20:00:00"), IN), ("out", at(DAY2, "20:00:30"), "sent"))
    return a, b, {"c1": c1, "c2": c2, "c3": c3, "messenger": messenger}


# (workspace, date, platform): total, in, out, new conversations, median, p90 — by hand:
# messenger day 1 waits 40 120 600 → median 120, p90 = 120 + 0.8·480 = 504
# messenger day 2 waits 60 300 600 → median 300, p90 = 300 + 0.8·300 = 540
# instagram day 1 waits 1 5 120 600 → median (5+120)/2 = 62.5, p90 = 120 + 0.7·480 = 456
EXPECTED = {
    ("A", DAY1, "messenger"): (10, 6, 4, 4, 120.0, 504.0),
    ("A", DAY2, "messenger"): (6, 4, 2, 1, 300.0, 540.0),
    ("A", DAY1, "instagram"): (9, 5, 4, 4, 62.5, 456.0),
    ("B", DAY2, "messenger"): (2, 1, 1, 1, 30.0, 30.0),
}


async def table() -> dict[tuple[str, date, str], tuple[Any, ...]]:
    """The analytics table keyed like EXPECTED (workspace by name)."""
    names = dict(await Workspace.all().values_list("id", "name"))
    rows = await Analytics.all()
    return {
        (names[r.workspace_id], r.date, r.platform): (  # type: ignore[attr-defined]
            r.total_messages,
            r.messages_in,
            r.messages_out,
            r.new_conversations,
            r.median_first_response_seconds,
            r.p90_first_response_seconds,
        )
        for r in rows
    }


def close_enough(found: dict[Any, tuple[Any, ...]], expected: dict[Any, tuple[Any, ...]]) -> None:
    """Counts exactly, seconds to the millisecond (SQLite computes them in floating days)."""
    assert found.keys() == expected.keys()
    for key, row in expected.items():
        assert found[key][:4] == row[:4], key
        if row[4] is None:
            assert found[key][4:] == row[4:], key
        else:
            assert found[key][4:] == pytest.approx(row[4:], abs=1e-3), key


async def test_figures_match_the_hand_computed_ones_and_a_rerun_changes_nothing(
    backend: Settings,
) -> None:
    a, _, _ = await fixture_data(backend)
    stale = await Analytics.create(workspace=a, date=START, platform="whatsapp", total_messages=9)
    outside = await Analytics.create(
        workspace=a, date=date(2026, 2, 20), platform="messenger", total_messages=3
    )

    assert await aggregate(START, END) == 4
    first = await table()
    close_enough(
        first, {**EXPECTED, ("A", date(2026, 2, 20), "messenger"): (3, 0, 0, 0, None, None)}
    )
    assert not await Analytics.filter(id=stale.id).exists()  # no figures that day any more
    assert await Analytics.filter(id=outside.id).exists()  # outside the range: untouched

    snapshot = {r.id: (r.updated_at, r.total_messages) for r in await Analytics.all()}
    assert await aggregate(START, END) == 4
    assert await table() == first
    assert {r.id: (r.updated_at, r.total_messages) for r in await Analytics.all()} == snapshot


async def test_new_data_updates_only_the_rows_it_changes(backend: Settings) -> None:
    _, _, made = await fixture_data(backend)
    await aggregate(START, END)
    before = {(r.date, r.platform, r.workspace_id): r for r in await Analytics.all()}  # type: ignore[attr-defined]

    # c3 gets an answer on day 1 after 300 s: messenger day 1 waits 40 120 300 600.
    account = made["messenger"]
    await Message.create(
        workspace_id=account.workspace_id,
        platform_account=account,
        conversation=made["c3"],
        platform_message_id="m_late_answer",
        is_incoming=False,
        status="sent",
        received_at=at(DAY1, "11:05:00"),
    )
    await aggregate(START, END)
    after = await table()
    assert after[("A", DAY1, "messenger")][:4] == (11, 6, 5, 4)
    # median (120+300)/2 = 210, p90 = 300 + 0.7·300 = 510
    assert after[("A", DAY1, "messenger")][4:] == pytest.approx((210.0, 510.0), abs=1e-3)
    for row in await Analytics.all():
        key = (row.date, row.platform, row.workspace_id)  # type: ignore[attr-defined]
        assert row.id == before[key].id
        changed = (row.date, row.platform) == (DAY1, "messenger")
        assert (row.updated_at != before[key].updated_at) is changed, key


async def test_queries_for_the_api_and_slack(backend: Settings) -> None:
    a, _, _ = await fixture_data(backend)
    await aggregate(START, END)

    rows = await daily(a.id, START, END)
    assert [(r.date, r.platform, r.total_messages) for r in rows] == [
        (DAY1, "instagram", 9),
        (DAY1, "messenger", 10),
        (DAY2, "messenger", 6),
    ]
    assert [r.date for r in await daily(a.id, START, END, platform="instagram")] == [DAY1]
    assert rows[0].as_dict()["date"] == "2026-03-02"

    platforms = {p.platform: p for p in await by_platform(a.id, START, END)}
    assert (platforms["messenger"].messages_in, platforms["messenger"].messages_out) == (10, 6)
    # messenger over both days: waits 40 60 120 300 600 600 → median 210, p90 600
    assert platforms["messenger"].median_first_response_seconds == pytest.approx(210.0, abs=1e-3)
    assert platforms["messenger"].p90_first_response_seconds == pytest.approx(600.0, abs=1e-3)
    assert platforms["instagram"].median_first_response_seconds == pytest.approx(62.5, abs=1e-3)

    summary = await stats(a.id, START, END)
    assert summary.total.total_messages == 25
    assert summary.total.new_conversations == 9
    # all ten waits: 1 5 40 60 120 120 300 600 600 600 → median 120, p90 600
    assert summary.total.median_first_response_seconds == pytest.approx(120.0, abs=1e-3)
    assert summary.total.p90_first_response_seconds == pytest.approx(600.0, abs=1e-3)
    assert summary.as_dict()["platforms"][0]["platform"] == "instagram"


async def test_an_empty_range_has_no_rows(backend: Settings) -> None:
    a, _, _ = await fixture_data(backend)
    assert await aggregate(date(2025, 1, 1), date(2025, 1, 8)) == 0
    assert await Analytics.all().count() == 0
    summary = await stats(a.id, date(2025, 1, 1), date(2025, 1, 8))
    assert summary.total.total_messages == 0
    assert summary.total.median_first_response_seconds is None
