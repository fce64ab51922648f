"""Replay: re-process stored webhook bodies (webhook_logs) through the normal ingest path.

Idempotent: messages already stored are recognised by their dedup key, so replaying a body
twice, or a body that was processed fine, changes nothing and announces nothing new.
Bodies are replayed oldest first, in batches, so large logs never sit in memory at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.expressions import Q

from inbox.bus import EventBus
from inbox.models import WebhookLog
from inbox.platforms.events import PayloadError
from inbox.services.ingest.pipeline import UnknownPlatformError, ingest

log = logging.getLogger(__name__)

BATCH = 100


@dataclass(slots=True)
class ReplayResult:
    """What a replay did."""

    bodies: int = 0
    stored: int = 0
    duplicates: int = 0
    still_failing: int = 0
    unreadable: list[str] = field(default_factory=list)


def _selection(failed_only: bool, since: datetime | None) -> Q:
    query = Q()
    if failed_only:
        query &= Q(processed=False) | Q(error__isnull=False)
    if since is not None:
        query &= Q(created_at__gte=since)
    return query


async def count_logs(*, failed_only: bool = False, since: datetime | None = None) -> int:
    """How many bodies a replay with these filters would re-process."""
    return await WebhookLog.filter(_selection(failed_only, since)).count()


async def _rows(failed_only: bool, since: datetime | None) -> AsyncIterator[WebhookLog]:
    """Matching rows oldest first, read in keyset-paged batches."""
    selection = _selection(failed_only, since)
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        query = WebhookLog.filter(selection)
        if after is not None:
            stamp, row_id = after
            query = query.filter(Q(created_at__gt=stamp) | Q(created_at=stamp, id__gt=row_id))
        batch = await query.order_by("created_at", "id").limit(BATCH)
        for row in batch:
            yield row
        if len(batch) < BATCH:
            return
        after = (batch[-1].created_at, batch[-1].id)


async def replay_logs(
    bus: EventBus | None = None,
    *,
    failed_only: bool = False,
    since: datetime | None = None,
    result: ReplayResult | None = None,
) -> AsyncIterator[ReplayResult]:
    """Re-process matching bodies one by one, yielding the running totals after each."""
    result = result or ReplayResult()
    async for row in _rows(failed_only, since):
        result.bodies += 1
        try:
            stored = await ingest(
                row.platform, row.payload, bus, log_id=row.id, received_at=row.created_at
            )
        except (PayloadError, UnknownPlatformError) as exc:
            problem = f"cannot be parsed: {exc}"[:4000]
            await WebhookLog.filter(id=row.id).update(processed=False, error=problem)
            result.unreadable.append(f"{row.id}: {problem}")
            log.warning("replay: webhook log %s %s", row.id, problem)
        else:
            result.stored += stored.stored
            result.duplicates += stored.duplicates
            result.still_failing += bool(stored.skipped)
        yield result
