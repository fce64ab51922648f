"""/api/auth/* and /api/invites over HTTP on PostgreSQL: sessions, rotation, throttling, invites."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from inbox.models import Invite, LoginAttempt, RefreshToken, User, Workspace
from inbox.services.sessions import throttle
from tests.factories import make_user, make_workspace
from tests.web.api.conftest import Member

PASSWORD = "correct horse"


async def _login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status == 200, await response.text()
    return await response.json()


async def _me(client: TestClient, access: str) -> int:
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
    return response.status


async def _error(response: object) -> dict[str, str]:
    body = await response.json()  # type: ignore[attr-defined]
    return body["error"]


async def test_register_creates_a_workspace_owned_by_the_new_user(client: TestClient) -> None:
    response = await client.post(
        "/api/auth/register",
        json={"email": " Ana@Example.com ", "password": "s3cret-enough", "name": "Ana"},
    )
    assert response.status == 201
    body = await response.json()
    assert body["email"] == "ana@example.com"
    assert body["role"] == "owner"
    assert body["name"] == "Ana"
    assert body["workspace"]["name"] == "Ana's workspace"
    assert "password" not in json.dumps(body)
    user = await User.get(email="ana@example.com")
    assert user.password_hash.startswith("pbkdf2_sha256$")
    assert str(user.workspace_id) == body["workspace_id"]  # type: ignore[attr-defined]
    tokens = await _login(client, "ANA@example.com", "s3cret-enough")
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert await _me(client, tokens["access"]) == 200


async def test_register_refuses_a_taken_email_in_any_case(open_client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    response = await open_client.post(
        "/api/auth/register", json={"email": "ANA@example.com", "password": "long enough"}
    )
    assert response.status == 409
    error = await _error(response)
    assert error["code"] == "email_taken"
    assert error["field"] == "email"
    assert await User.all().count() == 1
    assert await Workspace.all().count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "long enough"}, "email"),
        ({"email": "ana@example.com"}, "password"),
        ({"email": "ana@example.com", "password": "short"}, "password"),
        ({"email": "not-an-email", "password": "long enough"}, "email"),
        ({"email": 42, "password": "long enough"}, "email"),
        ({"email": "ana@example.com", "password": "long enough", "admin": True}, "admin"),
        ({"email": "ana@example.com", "password": "long enough", "name": "x" * 201}, "name"),
        ({"email": "ana@example.com", "password": "long enough", "name": "a\u0000b"}, "name"),
    ],
)
async def test_register_names_the_bad_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/auth/register", json=body)
    assert response.status == 422
    error = await _error(response)
    assert error["code"] == "invalid"
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert await User.all().count() == 0


async def test_invite_code_joins_the_owners_workspace_once(
    client: TestClient, alice: Member
) -> None:
    response = await client.post("/api/invites", json={"max_uses": 1}, headers=alice.headers)
    assert response.status == 201
    invite = await response.json()
    assert invite["uses"] == 0
    joined = await client.post(
        "/api/auth/register",
        json={"email": "bob@example.com", "password": "long enough", "invite_code": invite["code"]},
    )
    assert joined.status == 201
    bob = await joined.json()
    assert bob["role"] == "member"
    assert bob["workspace_id"] == str(alice.workspace.id)
    again = await client.post(
        "/api/auth/register",
        json={"email": "eve@example.com", "password": "long enough", "invite_code": invite["code"]},
    )
    assert again.status == 422
    assert (await _error(again))["field"] == "invite_code"
    assert not await User.exists(email="eve@example.com")
    assert (await Invite.get(code=invite["code"])).uses == 1
    listed = await (await client.get("/api/invites", headers=alice.headers)).json()
    assert [i["code"] for i in listed["items"]] == [invite["code"]]


async def test_expired_or_unknown_invites_are_refused(client: TestClient, alice: Member) -> None:
    await Invite.create(
        workspace=alice.workspace,
        code="old-code",
        max_uses=5,
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    for code in ("old-code", "never-issued"):
        response = await client.post(
            "/api/auth/register",
            json={"email": "bob@example.com", "password": "long enough", "invite_code": code},
        )
        assert response.status == 422
        assert (await _error(response))["code"] == "invalid_invite"
    assert await User.all().count() == 1


async def test_only_owners_manage_invites(client: TestClient, alice: Member) -> None:
    member = await make_user(alice.workspace, "member@example.com")
    tokens = await _login(client, member.email)
    headers = {"Authorization": f"Bearer {tokens['access']}"}
    assert (await client.post("/api/invites", headers=headers)).status == 403
    assert (await client.get("/api/invites", headers=headers)).status == 403
    assert await Invite.all().count() == 0


async def test_login_refuses_wrong_password_and_unknown_email_alike(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    wrong = await client.post(
        "/api/auth/login", json={"email": "ana@example.com", "password": "wrong horse"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status == unknown.status == 401
    assert await _error(wrong) == await _error(unknown)
    assert await LoginAttempt.filter(succeeded=False).count() == 2


async def test_refresh_rotates_and_the_old_token_stops_working(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    first = await _login(client, "ana@example.com")
    response = await client.post("/api/auth/refresh", json={"refresh": first["refresh"]})
    assert response.status == 200
    second = await response.json()
    assert second["refresh"] != first["refresh"]
    assert second["access"] != first["access"]
    assert await _me(client, second["access"]) == 200
    stale = await client.post("/api/auth/refresh", json={"refresh": first["refresh"]})
    assert stale.status == 401
    assert (await _error(stale))["code"] == "invalid_token"


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    first = await _login(client, "ana@example.com")
    other_device = await _login(client, "ana@example.com")
    second = await (
        await client.post("/api/auth/refresh", json={"refresh": first["refresh"]})
    ).json()
    assert (
        await client.post("/api/auth/refresh", json={"refresh": first["refresh"]})
    ).status == 401
    # The thief's replay ended the session: the legitimate new pair is dead too.
    assert (
        await client.post("/api/auth/refresh", json={"refresh": second["refresh"]})
    ).status == 401
    assert await _me(client, second["access"]) == 401
    # Another session of the same user is untouched.
    assert await _me(client, other_device["access"]) == 200


async def test_concurrent_refreshes_with_one_token_yield_one_pair_then_end(
    client: TestClient,
) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    tokens = await _login(client, "ana@example.com")
    answers = await asyncio.gather(
        *(client.post("/api/auth/refresh", json={"refresh": tokens["refresh"]}) for _ in range(5))
    )
    assert [r.status for r in answers].count(200) == 1
    # The losers count as replays: the session ends (clients must refresh one at a time).
    assert await RefreshToken.filter(revoked_at__isnull=True).count() == 0


async def test_logout_revokes_refresh_and_access(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    tokens = await _login(client, "ana@example.com")
    response = await client.post("/api/auth/logout", json={"refresh": tokens["refresh"]})
    assert response.status == 204
    refreshed = await client.post("/api/auth/refresh", json={"refresh": tokens["refresh"]})
    assert refreshed.status == 401
    assert await _me(client, tokens["access"]) == 401
    assert (
        await client.post("/api/auth/logout", json={"refresh": tokens["refresh"]})
    ).status == 204


def _claims(user: User, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": str(user.id),
        "wid": str(user.workspace_id),  # type: ignore[attr-defined]
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "iss": "cahts",
    }
    claims.update(changes)
    return claims


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_tokens_are_rejected(client: TestClient) -> None:
    user = await make_user(await make_workspace(), "ana@example.com")
    secret = client.app[SETTINGS].jwt_secret
    good = await _login(client, "ana@example.com")
    sid = jwt.decode(good["access"], secret, algorithms=["HS256"])["sid"]
    header, payload, signature = good["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other = await make_user(await make_workspace("B"), "mallory@example.com")
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user, sid=sid))}.",
        "wrong key": jwt.encode(_claims(user, sid=sid), "k" * 48, algorithm="HS256"),
        "expired": jwt.encode(
            _claims(user, sid=sid, iat=int(time.time()) - 1000, exp=int(time.time()) - 10),
            secret,
            algorithm="HS256",
        ),
        "tampered": f"{header}.{_b64({**claims, 'sub': str(other.id)})}.{signature}",
        "wrong typ": jwt.encode(_claims(user, sid=sid, typ="refresh"), secret, algorithm="HS256"),
        "no session": jwt.encode(_claims(user), secret, algorithm="HS256"),
        "HS512": jwt.encode(_claims(user, sid=sid), secret, algorithm="HS512"),
        "garbage": "not.a.jwt",
    }
    assert await _me(client, good["access"]) == 200
    for name, token in forged.items():
        assert await _me(client, token) == 401, name
    for headers in ({}, {"Authorization": f"Basic {good['access']}"}, {"Authorization": "Bearer "}):
        response = await client.get("/api/auth/me", headers=headers)
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_five_failures_lock_the_account_with_retry_after(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    for _ in range(throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS):
        response = await client.post(
            "/api/auth/login", json={"email": "ana@example.com", "password": "guess"}
        )
        assert response.status == 401
    locked = await client.post(
        "/api/auth/login", json={"email": "ana@example.com", "password": PASSWORD}
    )
    assert locked.status == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60
    assert (await _error(locked))["code"] == "rate_limited"
    # The window passing (older attempts) lets the owner in again.
    await LoginAttempt.all().update(created_at=datetime.now(UTC) - timedelta(minutes=16))
    await _login(client, "ana@example.com")


async def test_a_success_resets_the_account_count(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    for _ in range(throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS - 1):
        await client.post("/api/auth/login", json={"email": "ana@example.com", "password": "x"})
    await _login(client, "ana@example.com")
    for _ in range(throttle.MAX_FAILURES_PER_EMAIL_AND_ADDRESS - 1):
        await client.post("/api/auth/login", json={"email": "ana@example.com", "password": "x"})
    await _login(client, "ana@example.com")


async def test_many_failures_from_one_address_lock_that_address(client: TestClient) -> None:
    await make_user(await make_workspace(), "ana@example.com")
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        await LoginAttempt.create(
            email=f"user{n}@example.com", address="127.0.0.1", succeeded=False
        )
    response = await client.post(
        "/api/auth/login", json={"email": "ana@example.com", "password": PASSWORD}
    )
    assert response.status == 429
    assert "address" in (await _error(response))["message"]
    await LoginAttempt.filter(address="127.0.0.1").update(address="10.0.0.9")
    await _login(client, "ana@example.com")


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    body = {"email": "ana@example.com", "password": "guess"}
    await client.post("/api/auth/login", json=body, headers=headers)
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    await client.post("/api/auth/login", json=body, headers=headers)
    addresses = await LoginAttempt.all().order_by("id").values_list("address", flat=True)
    assert addresses == ["127.0.0.1", "203.0.113.7"]
