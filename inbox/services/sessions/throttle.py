"""Login throttling per account and per address, counted in the database (works across servers)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import cast

from inbox.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20


class Throttled(Exception):
    """Too many failed logins: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.reason = reason


def _blocked_for(
    failures: list[datetime], limit: int, now: datetime, reserved: int = 0
) -> int | None:
    """Seconds until enough failures leave the window, or None when under the limit."""
    limit += reserved
    if len(failures) < limit:
        return None
    # The (len - limit + 1)-th oldest failure must age out before another try is allowed.
    failures = sorted(failures)
    release = failures[len(failures) - limit] + WINDOW
    return max(1, math.ceil((release - now).total_seconds()))


async def begin(email: str, address: str, now: datetime | None = None) -> LoginAttempt:
    """Reserve one try (counted as failed until `succeeded`); Throttled when over a limit.

    Recording the try before checking closes the race where many parallel guesses all pass
    the check before any of them is recorded. A refused try leaves no row behind.
    """
    attempt = await LoginAttempt.create(email=email[:254], address=address[:64], succeeded=False)
    try:
        await check(email, address, now, reserved=1)
    except Throttled:
        await LoginAttempt.filter(id=attempt.id).delete()
        raise
    return attempt


async def succeeded(attempt: LoginAttempt) -> None:
    """The reserved try turned out right: it resets the account's count."""
    await LoginAttempt.filter(id=attempt.id).update(succeeded=True)


async def check(email: str, address: str, now: datetime | None = None, reserved: int = 0) -> None:
    """Raise Throttled when this email or this address failed too often recently.

    `reserved`: how many of the counted failures are tries in progress (see `begin`).
    """
    now = now or datetime.now(UTC)
    since = now - WINDOW
    successes = (
        await LoginAttempt.filter(email=email, succeeded=True, created_at__gte=since)
        .order_by("-created_at")
        .limit(1)
        .values_list("created_at", flat=True)
    )
    email_since = max(since, successes[0]) if successes else since
    by_email = await LoginAttempt.filter(
        email=email, succeeded=False, created_at__gt=email_since
    ).values_list("created_at", flat=True)
    wait = _blocked_for(cast("list[datetime]", by_email), MAX_FAILURES_PER_EMAIL, now, reserved)
    if wait is not None:
        raise Throttled(wait, "too many failed logins for this account")
    by_address = await LoginAttempt.filter(
        address=address, succeeded=False, created_at__gte=since
    ).values_list("created_at", flat=True)
    wait = _blocked_for(cast("list[datetime]", by_address), MAX_FAILURES_PER_ADDRESS, now, reserved)
    if wait is not None:
        raise Throttled(wait, "too many failed logins from this address")


async def record(email: str, address: str, *, succeeded: bool) -> None:
    """Remember one login try."""
    await LoginAttempt.create(email=email[:254], address=address[:64], succeeded=succeeded)


async def prune(now: datetime | None = None) -> int:
    """Forget tries older than the window (they no longer count)."""
    now = now or datetime.now(UTC)
    return await LoginAttempt.filter(created_at__lt=now - WINDOW * 4).delete()
