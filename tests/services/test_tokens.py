"""Access and refresh tokens refused in the cases tests/web/api/test_auth.py does not try.

test_auth.py already refuses over HTTP: `alg: none`, another key, expired, tampered, another
`typ`, an unknown session, HS512, garbage, a reused (revoked) refresh token and logout.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from bot.slack import signed
from inbox.models import RefreshToken, User
from inbox.services.sessions.api_tokens import TokenError, authenticate, rotate, start_session
from inbox.settings import Settings
from tests.factories import make_user, make_workspace


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_unsigned_tokens_are_refused_in_any_spelling(database: Settings, alg: str) -> None:
    user = await make_user(await make_workspace())
    good = (await start_session(user, database.jwt_secret)).access
    header, payload, signature = good.split(".")
    for forged in (
        f"{_b64({'alg': alg, 'typ': 'JWT'})}.{payload}.",
        f"{_b64({'alg': alg, 'typ': 'JWT'})}.{payload}.{signature}",
        f"{header}.{payload}.",  # HS256 claimed, signature stripped
    ):
        with pytest.raises(TokenError):
            await authenticate(forged, database.jwt_secret)


async def test_a_signed_link_token_is_never_an_api_token(database: Settings) -> None:
    user = await make_user(await make_workspace())
    good = _claims((await start_session(user, database.jwt_secret)).access)
    link = signed.sign(
        database,
        b"files",
        "cahts",
        {k: v for k, v in good.items() if k not in ("exp", "aud")},
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=5),
    )
    with pytest.raises(TokenError):
        await authenticate(link, database.jwt_secret)


async def test_a_deactivated_user_is_refused_with_either_token(database: Settings) -> None:
    user = await make_user(await make_workspace())
    pair = await start_session(user, database.jwt_secret)
    await User.filter(id=user.id).update(is_active=False)
    with pytest.raises(TokenError):
        await authenticate(pair.access, database.jwt_secret)
    with pytest.raises(TokenError):
        await rotate(pair.refresh, database.jwt_secret)


async def test_a_user_moved_to_another_workspace_needs_a_new_token(database: Settings) -> None:
    user = await make_user(await make_workspace("A"))
    pair = await start_session(user, database.jwt_secret)
    other = await make_workspace("B")
    await User.filter(id=user.id).update(workspace_id=other.id)
    with pytest.raises(TokenError):
        await authenticate(pair.access, database.jwt_secret)


async def test_an_expired_refresh_token_is_refused(database: Settings) -> None:
    user = await make_user(await make_workspace())
    pair = await start_session(user, database.jwt_secret)
    await RefreshToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(TokenError, match="expired"):
        await rotate(pair.refresh, database.jwt_secret)


async def test_claims_that_are_not_ids_are_refused(database: Settings) -> None:
    user = await make_user(await make_workspace())
    now = int(time.time())
    base = {
        "sub": str(user.id),
        "wid": str(user.workspace_id),  # type: ignore[attr-defined]
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "typ": "access",
        "iss": "cahts",
    }
    for change in ({"sub": "1 OR 1=1"}, {"wid": ["list"]}, {"sid": None}, {"iss": "other"}):
        token = jwt.encode({**base, **change}, database.jwt_secret, algorithm="HS256")
        with pytest.raises(TokenError):
            await authenticate(token, database.jwt_secret)
