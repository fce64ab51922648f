"""Figures read from the aggregated `analytics` table, always for one workspace."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from tortoise import Tortoise

from inbox.models import Analytics, PlatformAccount

MAX_DAYS = 366
MAX_EXPORT_DAYS = 3660
COUNTS = ("total_messages", "messages_in", "messages_out", "new_conversations")
EXPORT_COLUMNS = (
    "date",
    "platform",
    *COUNTS,
    "median_first_response_seconds",
    "p90_first_response_seconds",
)


@dataclass(frozen=True, slots=True)
class Period:
    """The last `days` days, today (UTC) included."""

    start: date
    end: date

    @classmethod
    def last(cls, days: int, today: date | None = None) -> Period:
        """The period of the last `days` days ending today."""
        end = today or datetime.now(UTC).date()
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        """How many days the period holds."""
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        """Every date of the period, oldest first."""
        return [self.start + timedelta(days=n) for n in range(self.days)]


async def _rows(
    workspace_id: uuid.UUID, period: Period, platform: str | None = None
) -> list[dict[str, Any]]:
    query = Analytics.filter(
        workspace_id=workspace_id, date__gte=period.start, date__lte=period.end
    )
    if platform:
        query = query.filter(platform=platform)
    return await query.values(*EXPORT_COLUMNS)


def _weighted(rows: Iterable[dict[str, Any]], field: str) -> float | None:
    """Daily response times averaged with each day's incoming messages as weight."""
    pairs = [(r[field], r["messages_in"] or 0) for r in rows if r[field] is not None]
    weight = sum(w for _, w in pairs)
    if not pairs:
        return None
    if weight == 0:
        return round(sum(v for v, _ in pairs) / len(pairs), 1)
    return round(sum(v * w for v, w in pairs) / weight, 1)


def _per_day(rows: Iterable[dict[str, Any]], period: Period) -> list[dict[str, Any]]:
    totals: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in rows:
        for field in COUNTS:
            totals[row["date"]][field] += row[field] or 0
    return [{"date": d.isoformat(), **totals[d]} for d in period.dates()]


async def daily(
    workspace_id: uuid.UUID, period: Period, platform: str | None = None
) -> list[dict[str, Any]]:
    """One entry per date of the period (zeros where nothing happened), oldest first."""
    return _per_day(await _rows(workspace_id, period, platform), period)


async def by_platform(workspace_id: uuid.UUID, period: Period) -> list[dict[str, Any]]:
    """Per platform over the period: counts, share of all messages, response times."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in await _rows(workspace_id, period):
        grouped[row["platform"]].append(row)
    connected = await PlatformAccount.filter(workspace_id=workspace_id).values_list(
        "platform", flat=True
    )
    everything = sum(r["total_messages"] or 0 for rows in grouped.values() for r in rows)
    result = []
    for platform in sorted(set(grouped) | {str(p) for p in connected}):
        rows = grouped.get(platform, [])
        counts = {f: sum(r[f] or 0 for r in rows) for f in COUNTS}
        result.append(
            {
                "platform": platform,
                **counts,
                "share": round(counts["total_messages"] / everything, 4) if everything else 0.0,
                "median_first_response_seconds": _weighted(rows, "median_first_response_seconds"),
                "p90_first_response_seconds": _weighted(rows, "p90_first_response_seconds"),
            }
        )
    return result


# The inbox's state now in one round trip; each subquery has its own index (the unread one a
# partial index on PostgreSQL, which needs the literal `> 0`).
_INBOX_NOW = """
SELECT (SELECT COUNT(*) FROM conversations WHERE workspace_id = {p}),
       (SELECT COUNT(*) FROM conversations WHERE workspace_id = {p} AND unread_count > 0),
       (SELECT COALESCE(SUM(unread_count), 0) FROM conversations
        WHERE workspace_id = {p} AND unread_count > 0),
       (SELECT COUNT(*) FROM platform_accounts WHERE workspace_id = {p} AND is_active)"""


async def _inbox_now(workspace_id: uuid.UUID) -> tuple[int, int, int, int]:
    """Conversations, unread conversations, unread messages, active accounts."""
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    sql = _INBOX_NOW.format(p="$1" if postgres else "?1")
    _, rows = await conn.execute_query(sql, [workspace_id if postgres else str(workspace_id)])
    conversations, unread, unread_messages, accounts = (int(v or 0) for v in tuple(rows[0]))
    return conversations, unread, unread_messages, accounts


async def stats(workspace_id: uuid.UUID, period: Period) -> dict[str, Any]:
    """The headline figures: period totals, busiest day, response times, live inbox state."""
    rows = await _rows(workspace_id, period)
    per_day = _per_day(rows, period)
    busiest = max(per_day, key=lambda d: d["total_messages"], default=None)
    conversations, unread, unread_messages, accounts = await _inbox_now(workspace_id)
    return {
        "days": period.days,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        **{f: sum(r[f] or 0 for r in rows) for f in COUNTS},
        "median_first_response_seconds": _weighted(rows, "median_first_response_seconds"),
        "p90_first_response_seconds": _weighted(rows, "p90_first_response_seconds"),
        "busiest_day": busiest if busiest and busiest["total_messages"] else None,
        "conversations": conversations,
        "unread_conversations": unread,
        "unread_messages": unread_messages,
        "active_accounts": accounts,
    }


_EXPORT = (
    f"SELECT {', '.join(EXPORT_COLUMNS)} FROM analytics"  # noqa: S608 - constants only
    " WHERE workspace_id = $1 AND date >= $2 AND date <= $3{after}"
    " ORDER BY date, platform LIMIT {limit}"
)
_AFTER = " AND (date > $4 OR (date = $4 AND platform > $5))"


async def export_batches(
    workspace_id: uuid.UUID, period: Period, batch: int = 2000
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Every analytics row of the period as EXPORT_COLUMNS values, in (date, platform) order,
    a keyset batch at a time, so memory stays flat however long the period.

    Raw rows (no model conversion: it cost more than the rest of the export together): dates
    are `date` objects on PostgreSQL and ISO text on SQLite, which print the same.
    """
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    values: list[Any] = [workspace_id, period.start, period.end]
    if not postgres:
        values = [str(v) for v in values]

    async def fetch(after: list[Any]) -> Sequence[Sequence[Any]]:
        sql = _EXPORT.format(after=_AFTER if after else "", limit=int(batch))
        _, rows = await conn.execute_query(
            sql if postgres else sql.replace("$", "?"), values + after
        )
        return cast("Sequence[Sequence[Any]]", rows)  # records / tuples, typed as dicts

    # The next batch is fetched while the caller formats this one (one batch ahead, at most).
    pending = asyncio.ensure_future(fetch([]))
    try:
        while True:
            rows = await pending
            if len(rows) == batch:
                pending = asyncio.ensure_future(fetch([rows[-1][0], rows[-1][1]]))
            if rows:
                yield rows
            if len(rows) < batch:
                return
    finally:
        pending.cancel()
