"""Login and registration throttling per address, counted in the database (across servers).

A login is limited per (email, address) pair and per address, never per email alone: a
stranger's wrong guesses lock only the stranger out, not the account's owner. IPv6 addresses
count per /64, which one client usually holds whole.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import UTC, datetime, timedelta
from typing import cast

from inbox.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_REGISTRATIONS_PER_ADDRESS = 10
# The email column of a registration try: no email address has parentheses and no "@".
REGISTRATION = "(registration)"


class Throttled(Exception):
    """Too many tries: try again after `retry_after` seconds."""

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


def address_key(address: str) -> str:
    """What an address counts as: itself, its IPv4 for a mapped one, its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


async def begin(email: str, address: str, now: datetime | None = None) -> LoginAttempt:
    """Reserve one try (counted as failed until `succeeded`); Throttled when over a limit.

    Recording the try before checking closes the race where many parallel guesses all pass
    the check before any of them is recorded. A refused try leaves no row behind.
    """
    address = address_key(address)
    attempt = await LoginAttempt.create(email=email[:254], address=address, succeeded=False)
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
    """Raise Throttled when this email from this address, or this address, failed too often.

    `reserved`: how many of the counted failures are tries in progress (see `begin`).
    """
    now = now or datetime.now(UTC)
    since = now - WINDOW
    address = address_key(address)
    pair = LoginAttempt.filter(email=email, address=address)
    successes = (
        await pair.filter(succeeded=True, created_at__gte=since)
        .order_by("-created_at")
        .limit(1)
        .values_list("created_at", flat=True)
    )
    pair_since = max(since, successes[0]) if successes else since
    by_pair = await pair.filter(succeeded=False, created_at__gt=pair_since).values_list(
        "created_at", flat=True
    )
    wait = _blocked_for(
        cast("list[datetime]", by_pair), MAX_FAILURES_PER_EMAIL_AND_ADDRESS, now, reserved
    )
    if wait is not None:
        raise Throttled(wait, "too many failed logins for this account from this address")
    by_address = (
        await LoginAttempt.filter(address=address, succeeded=False, created_at__gte=since)
        .exclude(email=REGISTRATION)
        .values_list("created_at", flat=True)
    )
    wait = _blocked_for(cast("list[datetime]", by_address), MAX_FAILURES_PER_ADDRESS, now, reserved)
    if wait is not None:
        raise Throttled(wait, "too many failed logins from this address")


async def record(email: str, address: str, *, succeeded: bool) -> None:
    """Remember one login try."""
    await LoginAttempt.create(email=email[:254], address=address_key(address), succeeded=succeeded)


async def begin_registration(address: str, now: datetime | None = None) -> None:
    """Count one registration try from this address; Throttled (leaving no row) past the limit."""
    now = now or datetime.now(UTC)
    address = address_key(address)
    attempt = await LoginAttempt.create(email=REGISTRATION, address=address, succeeded=False)
    tries = await LoginAttempt.filter(
        email=REGISTRATION, address=address, created_at__gte=now - WINDOW
    ).values_list("created_at", flat=True)
    wait = _blocked_for(cast("list[datetime]", tries), MAX_REGISTRATIONS_PER_ADDRESS, now, 1)
    if wait is not None:
        await LoginAttempt.filter(id=attempt.id).delete()
        raise Throttled(wait, "too many registrations from this address")


async def prune(now: datetime | None = None) -> int:
    """Forget tries older than the window (they no longer count)."""
    now = now or datetime.now(UTC)
    return await LoginAttempt.filter(created_at__lt=now - WINDOW * 4).delete()
