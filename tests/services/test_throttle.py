"""Login throttling holds under a burst of parallel guesses, not only one guess at a time.

tests/web/api/test_auth.py and test_login_abuse.py cover the limits over HTTP one request after
another (per email and address, per address, reset on success, Retry-After, trusted proxies).
"""

from __future__ import annotations

import asyncio

from inbox.models import LoginAttempt
from inbox.services.sessions import throttle
from inbox.services.sessions import users as auth
from inbox.settings import Settings
from tests.factories import make_user, make_workspace

BURST = 40


async def _burst(email: str, addresses: list[str], secret: str) -> tuple[int, int]:
    """Wrong passwords in parallel: how many were checked (401) and how many throttled (429)."""
    results = await asyncio.gather(
        *(auth.login(email, "not the password", address, secret) for address in addresses),
        return_exceptions=True,
    )
    checked = sum(isinstance(r, auth.AuthError) and r.status == 401 for r in results)
    throttled = sum(isinstance(r, throttle.Throttled) for r in results)
    assert checked + throttled == len(addresses), results
    return checked, throttled


async def test_parallel_guesses_on_one_account_get_no_more_than_the_limit(
    database: Settings,
) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    addresses = ["198.51.100.7"] * BURST  # one guesser, all at once
    checked, throttled = await _burst("ana@example.com", addresses, database.jwt_secret)
    assert checked <= throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS
    assert throttled >= BURST - throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS
    # Throttled tries leave no trace, so they do not keep the account locked longer.
    assert await LoginAttempt.all().count() == checked


async def test_a_botnet_gets_the_limit_per_address_and_never_locks_the_owner(
    database: Settings,
) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    addresses = [f"198.51.100.{n % 8}" for n in range(BURST)]  # 8 addresses, 5 guesses each
    checked, _ = await _burst("ana@example.com", addresses, database.jwt_secret)
    assert checked <= 8 * throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS
    pair = await auth.login("ana@example.com", "correct horse", "192.0.2.1", database.jwt_secret)
    assert pair.access


async def test_parallel_guesses_from_one_address_get_no_more_than_the_limit(
    database: Settings,
) -> None:
    emails = [f"user{n}@example.com" for n in range(BURST)]
    results = await asyncio.gather(
        *(auth.login(e, "guess", "203.0.113.9", database.jwt_secret) for e in emails),
        return_exceptions=True,
    )
    checked = sum(isinstance(r, auth.AuthError) for r in results)
    assert checked <= throttle.MAX_FAILURES_PER_ADDRESS
    assert sum(isinstance(r, throttle.Throttled) for r in results) == BURST - checked


async def test_the_owner_still_gets_in_after_the_window(database: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    await make_user(await make_workspace(), "ana@example.com")
    addresses = ["192.0.2.1"] * BURST  # the owner's own address, after someone's burst
    await _burst("ana@example.com", addresses, database.jwt_secret)
    await LoginAttempt.all().update(created_at=datetime.now(UTC) - timedelta(minutes=16))
    pair = await auth.login("ana@example.com", "correct horse", "192.0.2.1", database.jwt_secret)
    assert pair.access
    assert await LoginAttempt.filter(succeeded=True).count() == 1
