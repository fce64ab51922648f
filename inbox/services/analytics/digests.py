"""The daily digest's bookkeeping: which workspaces are due, and one claim per account and day.

A digest is posted by whichever run claims it first: the claim is a row unique on
(account, day), so any number of workers and repeated kicks post it once. A claim whose run
died is taken over after CLAIM_LEASE; a failed post is tried again by later runs, up to
MAX_ATTEMPTS in all.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from tortoise.exceptions import IntegrityError

from inbox.models import PlatformAccount, SlackDigest, Workspace

CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
DEFAULT_HOUR = 9


def digest_day(now: datetime) -> date:
    """The day a digest run at `now` reports on: yesterday (UTC)."""
    return now.date() - timedelta(days=1)


async def due_workspaces(now: datetime) -> list[Workspace]:
    """Workspaces with the digest on whose hour (UTC) has come today."""
    return await Workspace.filter(digest_enabled=True, digest_hour_utc__lte=now.hour).order_by(
        "created_at"
    )


async def claim(account: PlatformAccount, day: date, now: datetime) -> SlackDigest | None:
    """The account's digest of `day` for this run to post, or None: another run has it."""
    try:
        return await SlackDigest.create(
            workspace_id=account.workspace_id,
            account_id=account.id,
            day=day,
            claimed_at=now,
        )
    except IntegrityError:
        pass
    row = await SlackDigest.get_or_none(account_id=account.id, day=day)
    if row is None or row.attempts >= MAX_ATTEMPTS:
        return None
    retry = row.status == "failed" or (
        row.status == "claimed" and row.claimed_at <= now - CLAIM_LEASE
    )
    if not retry:
        return None
    # `attempts` is the version: of two runs taking over at once, one update matches.
    taken = await SlackDigest.filter(id=row.id, attempts=row.attempts, status=row.status).update(
        status="claimed", attempts=row.attempts + 1, claimed_at=now, error=None
    )
    return await SlackDigest.get(id=row.id) if taken == 1 else None


async def posted(digest_id: uuid.UUID, channel: str, now: datetime) -> None:
    """The digest is in Slack."""
    await SlackDigest.filter(id=digest_id).update(
        status="posted", channel=channel, posted_at=now, error=None
    )


async def failed(digest_id: uuid.UUID, error: str, *, retry: bool) -> None:
    """The post failed; without `retry` no later run tries again."""
    values: dict[str, object] = {"status": "failed", "error": error[:1000]}
    if not retry:
        values["attempts"] = MAX_ATTEMPTS
    await SlackDigest.filter(id=digest_id).update(**values)


async def configure(
    workspace_id: uuid.UUID,
    *,
    enabled: bool,
    hour: int | None = None,
    channel: str | None = None,
    clear_channel: bool = False,
) -> Workspace:
    """Turn the digest on or off, optionally at another hour or into one channel."""
    values: dict[str, object] = {"digest_enabled": enabled}
    if hour is not None:
        if not 0 <= hour <= 23:
            raise ValueError("the hour must be 0–23 (UTC)")
        values["digest_hour_utc"] = hour
    if channel is not None:
        values["digest_channel"] = channel
    elif clear_channel:
        values["digest_channel"] = None
    await Workspace.filter(id=workspace_id).update(**values)
    return await Workspace.get(id=workspace_id)
