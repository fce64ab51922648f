"""Figures read from the aggregated `analytics` table, always for one workspace."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from inbox.models import Analytics, Conversation, PlatformAccount

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


async def daily(
    workspace_id: uuid.UUID, period: Period, platform: str | None = None
) -> list[dict[str, Any]]:
    """One entry per date of the period (zeros where nothing happened), oldest first."""
    totals: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in await _rows(workspace_id, period, platform):
        for field in COUNTS:
            totals[row["date"]][field] += row[field] or 0
    return [{"date": d.isoformat(), **totals[d]} for d in period.dates()]


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


async def stats(workspace_id: uuid.UUID, period: Period) -> dict[str, Any]:
    """The headline figures: period totals, busiest day, response times, live inbox state."""
    rows = await _rows(workspace_id, period)
    per_day = await daily(workspace_id, period)
    busiest = max(per_day, key=lambda d: d["total_messages"], default=None)
    conversations = Conversation.filter(workspace_id=workspace_id)
    unread = await conversations.filter(unread_count__gt=0).values_list("unread_count", flat=True)
    return {
        "days": period.days,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        **{f: sum(r[f] or 0 for r in rows) for f in COUNTS},
        "median_first_response_seconds": _weighted(rows, "median_first_response_seconds"),
        "p90_first_response_seconds": _weighted(rows, "p90_first_response_seconds"),
        "busiest_day": busiest if busiest and busiest["total_messages"] else None,
        "conversations": await conversations.count(),
        "unread_conversations": len(unread),
        "unread_messages": sum(int(n) for n in unread),
        "active_accounts": await PlatformAccount.filter(
            workspace_id=workspace_id, is_active=True
        ).count(),
    }


async def export_rows(
    workspace_id: uuid.UUID, period: Period, batch: int = 500
) -> AsyncIterator[dict[str, Any]]:
    """Every analytics row of the period in (date, platform) order, fetched a batch at a time."""
    after: tuple[date, str] | None = None
    while True:
        query = Analytics.filter(
            workspace_id=workspace_id, date__gte=period.start, date__lte=period.end
        )
        if after is not None:
            query = query.filter(Q(date__gt=after[0]) | Q(date=after[0], platform__gt=after[1]))
        rows = await query.order_by("date", "platform").limit(batch).values(*EXPORT_COLUMNS)
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = (rows[-1]["date"], rows[-1]["platform"])
