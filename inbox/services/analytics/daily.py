"""Daily analytics: aggregate messages into the analytics table, and the queries that read it.

`aggregate` is an idempotent upsert computed in SQL (see analytics_sql for the definitions);
`daily`, `by_platform` and `stats` are what the REST API and the Slack stats command show;
`account_day` is what the daily Slack digest says about one account (read from messages).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from inbox.models import Analytics
from inbox.services.analytics import daily_sql as sql

DEFAULT_DAYS = 2


def _dialect(conn: BaseDBAsyncClient) -> sql.Dialect:
    return sql.Dialect("postgres" if conn.capabilities.dialect == "postgres" else "sqlite")


def _param(d: sql.Dialect, value: Any) -> Any:
    """SQLite compares the text Tortoise stored: datetimes as `YYYY-MM-DD HH:MM:SS[.f]+00:00`."""
    if d.postgres:
        return value
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    if isinstance(value, date | uuid.UUID):
        return str(value)
    return value


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of a day."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def recent_days(days: int = DEFAULT_DAYS, today: date | None = None) -> tuple[date, date]:
    """[start, end) covering the last `days` UTC days, today included."""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=max(days, 1) - 1), today + timedelta(days=1)


async def aggregate(start: date, end: date, now: datetime | None = None) -> int:
    """Recompute the days [start, end) for every workspace; returns how many rows they have.

    Rows are upserted on (workspace, date, platform); rows of those days that no longer
    have figures are deleted; unchanged rows are not touched, so running it twice leaves
    the table exactly as it was.
    """
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        d = _dialect(conn)

        async def run(statement: str, *values: Any) -> list[Any]:
            _, rows = await conn.execute_query(d.params(statement), [_param(d, v) for v in values])
            return list(rows)

        await run(sql.DROP_FIGURES)
        await run(sql.create_figures(d))
        await run(sql.fill_figures(d), day_start(start), day_start(end))
        await run(sql.upsert(d), now)
        await run(sql.DELETE_STALE, start, end)
        [count] = await run(sql.COUNT_FIGURES)
        await run(sql.DROP_FIGURES)
    return int(count[0])


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """One analytics row: a workspace's figures for one day on one platform."""

    date: date
    platform: str
    total_messages: int
    messages_in: int
    messages_out: int
    new_conversations: int
    median_first_response_seconds: float | None
    p90_first_response_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {**asdict(self), "date": self.date.isoformat()}


@dataclass(frozen=True, slots=True)
class Figures:
    """Totals over a date range, for one platform or (platform None) all of them."""

    platform: str | None
    total_messages: int = 0
    messages_in: int = 0
    messages_out: int = 0
    new_conversations: int = 0
    median_first_response_seconds: float | None = None
    p90_first_response_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Stats:
    """A workspace's figures over [start, end): overall and per platform."""

    start: date
    end: date
    total: Figures
    platforms: list[Figures] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total": self.total.as_dict(),
            "platforms": [p.as_dict() for p in self.platforms],
        }


async def daily(
    workspace_id: uuid.UUID, start: date, end: date, platform: str | None = None
) -> list[DailyFigures]:
    """The aggregated rows of [start, end), by date then platform."""
    query = Analytics.filter(workspace_id=workspace_id, date__gte=start, date__lt=end)
    if platform is not None:
        query = query.filter(platform=platform)
    rows = await query.order_by("date", "platform")
    return [
        DailyFigures(
            r.date,
            r.platform,
            r.total_messages,
            r.messages_in,
            r.messages_out,
            r.new_conversations,
            r.median_first_response_seconds,
            r.p90_first_response_seconds,
        )
        for r in rows
    ]


async def response_times(
    workspace_id: uuid.UUID, start: date, end: date, *, per_platform: bool
) -> dict[str | None, tuple[float | None, float | None]]:
    """Median and p90 first response over the whole range (not an average of daily ones)."""
    conn = Tortoise.get_connection("default")
    d = _dialect(conn)
    keys = "platform" if per_platform else "workspace_id"
    values = [_param(d, v) for v in (day_start(start), day_start(end), workspace_id)]
    _, rows = await conn.execute_query(d.params(sql.response_times(d, keys)), values)
    found: dict[str | None, tuple[float | None, float | None]] = {}
    for row in rows:
        key, median, p90 = tuple(row)
        found[key if per_platform else None] = (median, p90)
    return found


async def by_platform(workspace_id: uuid.UUID, start: date, end: date) -> list[Figures]:
    """Totals per platform over [start, end), from the aggregated table."""
    sums = (
        await Analytics.filter(workspace_id=workspace_id, date__gte=start, date__lt=end)
        .annotate(
            total=Sum("total_messages"),
            incoming=Sum("messages_in"),
            outgoing=Sum("messages_out"),
            started=Sum("new_conversations"),
        )
        .group_by("platform")
        .order_by("platform")
        .values("platform", "total", "incoming", "outgoing", "started")
    )
    times = await response_times(workspace_id, start, end, per_platform=True)
    return [
        Figures(
            row["platform"],
            int(row["total"] or 0),
            int(row["incoming"] or 0),
            int(row["outgoing"] or 0),
            int(row["started"] or 0),
            *times.get(row["platform"], (None, None)),
        )
        for row in sums
    ]


async def stats(workspace_id: uuid.UUID, start: date, end: date) -> Stats:
    """Everything over [start, end): totals, response times, and the same per platform."""
    platforms = await by_platform(workspace_id, start, end)
    overall = (await response_times(workspace_id, start, end, per_platform=False)).get(
        None, (None, None)
    )
    total = Figures(
        None,
        sum(p.total_messages for p in platforms),
        sum(p.messages_in for p in platforms),
        sum(p.messages_out for p in platforms),
        sum(p.new_conversations for p in platforms),
        *overall,
    )
    return Stats(start, end, total, platforms)


@dataclass(frozen=True, slots=True)
class AccountDay:
    """One account's figures over [start, end) (a UTC day for the daily digest), from messages."""

    messages_in: int
    messages_out: int
    new_conversations: int
    unanswered: int
    median_first_response_seconds: float | None
    hourly_in: list[int]
    hourly_out: list[int]

    @property
    def quiet(self) -> bool:
        """True when nothing came in or went out."""
        return self.messages_in == 0 and self.messages_out == 0


async def account_day(account_id: uuid.UUID, start: date, end: date | None = None) -> AccountDay:
    """In, out, new and unanswered conversations, median first response, and per UTC hour."""
    end = end or start + timedelta(days=1)
    conn = Tortoise.get_connection("default")
    d = _dialect(conn)
    values = [_param(d, v) for v in (day_start(start), day_start(end), account_id)]

    async def run(statement: str) -> list[Any]:
        _, rows = await conn.execute_query(d.params(statement), values)
        return [tuple(row) for row in rows]

    [(incoming, outgoing, started, unanswered)] = await run(sql.account_counts(d))
    times = await run(sql.account_response_times(d))
    hourly_in, hourly_out = [0] * 24, [0] * 24
    for hour, is_incoming, count in await run(sql.account_hours(d)):
        (hourly_in if is_incoming else hourly_out)[int(hour)] += int(count)
    return AccountDay(
        int(incoming),
        int(outgoing),
        int(started),
        int(unanswered),
        times[0][1] if times else None,
        hourly_in,
        hourly_out,
    )
