"""API sessions: short-lived access JWTs and rotating, opaque refresh tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import jwt
from tortoise.transactions import in_transaction

from inbox.events import SessionEnded
from inbox.models import RefreshToken, User

if TYPE_CHECKING:
    from inbox.bus import EventBus

ALGORITHM = "HS256"
ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
ISSUER = "cahts"
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "wid", "sid", "jti", "typ", "iss"]
# Why a session ended, as its sockets are told.
LOGGED_OUT = "logged out"
REUSED = "a refresh token was used twice"


class TokenError(Exception):
    """A token is missing, malformed, expired, revoked or otherwise refused."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What login and refresh hand out."""

    access: str
    refresh: str
    expires_in: int

    def as_json(self) -> dict[str, object]:
        """The body of the login and refresh answers."""
        return {
            "access": self.access,
            "refresh": self.refresh,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


def hash_token(token: str) -> str:
    """SHA-256 hex of an opaque token: only this is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def encode_access(user: User, session_id: uuid.UUID, secret: str, now: datetime) -> str:
    """A signed access JWT for this user and session (refresh-token family)."""
    claims = {
        "sub": str(user.id),
        "wid": str(user.workspace_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TTL).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "iss": ISSUER,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access(token: str, secret: str) -> AccessClaims:
    """Verify signature (HS256 only), expiry, issuer and type; TokenError otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the access token has expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("the access token is invalid") from exc
    if claims.get("typ") != "access":
        raise TokenError("not an access token")
    try:
        return AccessClaims(
            uuid.UUID(str(claims["sub"])),
            uuid.UUID(str(claims["wid"])),
            uuid.UUID(str(claims["sid"])),
            datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (ValueError, TypeError, OverflowError) as exc:
        raise TokenError("the access token is invalid") from exc


async def authenticate(token: str, secret: str) -> User:
    """The active user behind an access token whose session is still open (not logged out)."""
    return await user_of(decode_access(token, secret))


async def user_of(claims: AccessClaims) -> User:
    """The active user of verified claims whose session is still open; TokenError otherwise."""
    user = await User.get_or_none(
        id=claims.user_id, workspace_id=claims.workspace_id, is_active=True
    )
    if user is None:
        raise TokenError("the access token is invalid")
    if not await session_open(claims.session_id, user.id):
        raise TokenError("this session has ended; log in again")
    return user


async def session_open(session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """True while the session (refresh-token family) has a token not revoked."""
    return await RefreshToken.exists(family_id=session_id, user_id=user_id, revoked_at__isnull=True)


async def _issue(user: User, family_id: uuid.UUID, secret: str, now: datetime) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    await RefreshToken.create(
        user=user, token_hash=hash_token(refresh), family_id=family_id, expires_at=now + REFRESH_TTL
    )
    access = encode_access(user, family_id, secret, now)
    return TokenPair(access, refresh, int(ACCESS_TTL.total_seconds()))


async def start_session(user: User, secret: str, now: datetime | None = None) -> TokenPair:
    """A new session (refresh-token family) for a user who just proved who they are."""
    return await _issue(user, uuid.uuid4(), secret, now or datetime.now(UTC))


async def revoke_family(
    family_id: uuid.UUID,
    now: datetime | None = None,
    *,
    bus: EventBus | None = None,
    reason: str = LOGGED_OUT,
) -> int:
    """End a session: every token of the family stops working, and (with a bus) every
    server closes the session's sockets (`SessionEnded`)."""
    ended = await RefreshToken.filter(family_id=family_id, revoked_at__isnull=True).update(
        revoked_at=now or datetime.now(UTC)
    )
    if ended and bus is not None:
        token = await RefreshToken.filter(family_id=family_id).first()
        user = await User.get_or_none(id=token.user_id) if token is not None else None
        if user is not None:
            await bus.publish(SessionEnded(user.workspace_id, user.id, family_id, reason))
    return ended


async def rotate(
    refresh: str, secret: str, now: datetime | None = None, *, bus: EventBus | None = None
) -> TokenPair:
    """Trade a refresh token for a new pair; a reused (revoked) token ends its whole session."""
    now = now or datetime.now(UTC)
    row = await RefreshToken.get_or_none(token_hash=hash_token(refresh))
    if row is None:
        raise TokenError("unknown refresh token")
    if row.revoked_at is not None:
        await revoke_family(row.family_id, now, bus=bus, reason=REUSED)
        raise TokenError("this refresh token was already used; the session has been ended")
    if row.expires_at <= now:
        raise TokenError("the refresh token has expired; log in again")
    user = await User.get_or_none(id=row.user_id, is_active=True)
    if user is None:
        raise TokenError("unknown refresh token")
    async with in_transaction():
        # The conditional UPDATE makes two concurrent refreshes with one token yield one winner.
        taken = await RefreshToken.filter(id=row.id, revoked_at__isnull=True).update(revoked_at=now)
        if taken == 1:
            return await _issue(user, row.family_id, secret, now)
    await revoke_family(row.family_id, now, bus=bus, reason=REUSED)
    raise TokenError("this refresh token was already used; the session has been ended")


async def logout(refresh: str, now: datetime | None = None, *, bus: EventBus | None = None) -> bool:
    """Revoke the session a refresh token belongs to; False when the token is unknown."""
    row = await RefreshToken.get_or_none(token_hash=hash_token(refresh))
    if row is None:
        return False
    await revoke_family(row.family_id, now, bus=bus, reason=LOGGED_OUT)
    return True
