"""Who may register: invite holders, the very first user, and anyone only with ALLOW_SIGNUP.

Also: registration is throttled per address, and a password of only whitespace is refused.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from inbox.models import LoginAttempt, User, Workspace
from inbox.services.sessions import throttle, users
from inbox.settings import Settings
from tests.factories import make_owner, make_workspace

REGISTER = "/api/auth/register"
WAITING_FOR_LOCK = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"


async def _register(client: TestClient, email: str, **extra: str) -> tuple[int, dict[str, str]]:
    response = await client.post(
        REGISTER, json={"email": email, "password": "long enough", **extra}
    )
    body = await response.json()
    return response.status, body


async def test_a_stranger_cannot_register_without_an_invite(client: TestClient) -> None:
    status, first = await _register(client, "operator@example.com")
    assert (status, first["role"]) == (201, "owner")

    for extra in ({}, {"workspace_name": "Mine"}, {"name": "Mallory"}):
        status, body = await _register(client, "stranger@example.net", **extra)
        assert status == 403
        assert body["error"]["code"] == "signup_closed"
        assert body["error"]["field"] == "invite_code"
        assert "invite code" in body["error"]["message"]
    assert await User.all().count() == 1
    assert await Workspace.all().count() == 1


async def test_without_an_invite_a_taken_email_and_a_new_one_get_the_same_answer(
    client: TestClient,
) -> None:
    await make_owner(await make_workspace(), "ana@example.com")
    taken = await _register(client, "ana@example.com")
    new = await _register(client, "nobody@example.com")
    assert taken == new
    assert taken[0] == 403


async def test_a_first_user_racing_another_waits_for_it_and_is_then_refused(
    client: TestClient, settings: Settings
) -> None:
    """Another first registration holds the lock, its workspace not yet committed: ours,
    having seen no workspace, must wait for it rather than open a second workspace."""
    url = urlunsplit(urlsplit(settings.database_url)._replace(scheme="postgresql"))
    other = await asyncpg.connect(url)
    try:
        async with other.transaction():
            await other.execute("SELECT pg_advisory_xact_lock($1)", users.SIGNUP_LOCK)
            ours = asyncio.create_task(_register(client, "second@example.com"))
            while not await other.fetchval(WAITING_FOR_LOCK):
                assert not ours.done(), ours.result()  # it went ahead instead of waiting
                await asyncio.sleep(0.02)
            await other.execute(
                "INSERT INTO workspaces (id, name, digest_enabled, digest_hour_utc, created_at) "
                "VALUES ($1, 'First', false, 9, now())",
                uuid.uuid4(),
            )
        status, body = await asyncio.wait_for(ours, 60)
    finally:
        await other.close()

    assert (status, body["error"]["code"]) == (403, "signup_closed")
    assert await Workspace.all().count() == 1
    assert await User.all().count() == 0


async def test_with_allow_signup_anyone_opens_a_workspace_of_their_own(
    open_client: TestClient,
) -> None:
    first = await _register(open_client, "operator@example.com")
    second = await _register(open_client, "someone@example.net")

    assert (first[0], second[0]) == (201, 201)
    assert (first[1]["role"], second[1]["role"]) == ("owner", "owner")
    assert first[1]["workspace_id"] != second[1]["workspace_id"]


@pytest.mark.parametrize("password", [" " * 8, "\t\n" * 6, "\u3000" * 9])
async def test_a_password_of_only_whitespace_is_refused(client: TestClient, password: str) -> None:
    response = await client.post(REGISTER, json={"email": "ana@example.com", "password": password})

    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("invalid", "password")
    assert error["message"] == "password: must not be only whitespace"
    assert await User.all().count() == 0


async def test_registration_is_throttled_per_address(client: TestClient) -> None:
    for n in range(throttle.MAX_REGISTRATIONS_PER_ADDRESS):
        status, _ = await _register(client, f"not-an-email-{n}")
        assert status == 422

    refused = await client.post(
        REGISTER, json={"email": "ana@example.com", "password": "long enough"}
    )
    assert refused.status == 429
    assert (await refused.json())["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert await User.all().count() == 0
    # Registration tries do not count as failed logins of the address.
    login = await client.post("/api/auth/login", json={"email": "x@example.com", "password": "y"})
    assert login.status == 401
    # Once the window has passed, the address may register again.
    await LoginAttempt.all().update(created_at=datetime.now(UTC) - timedelta(minutes=16))
    status, _ = await _register(client, "ana@example.com")
    assert status == 201
