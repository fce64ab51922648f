"""Dashboard/API users: registration (invite, first user, or ALLOW_SIGNUP), login, invites."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from inbox.models import Invite, User, Workspace
from inbox.services.refusal import Refused
from inbox.services.sessions import throttle
from inbox.services.sessions.api_tokens import TokenPair, start_session
from inbox.services.sessions.passwords import hash_password, verify_password

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
INVITE_TTL = timedelta(days=7)
SIGNUP_LOCK = 0x63616874735F7375  # pg_advisory_xact_lock key of new-workspace registrations


class AuthError(Refused):
    """A refused auth request (register, login, invites)."""


def normalize_email(email: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return email.strip().lower()


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


async def register(
    email: str,
    password: str,
    *,
    address: str,
    allow_signup: bool,
    name: str = "",
    invite_code: str | None = None,
    workspace_name: str | None = None,
    now: datetime | None = None,
) -> User:
    """Create an invite's member, or a new workspace's owner (first user, or allow_signup)."""
    now = now or datetime.now(UTC)
    await throttle.begin_registration(address)
    email = normalize_email(email)
    if not EMAIL.match(email):
        raise AuthError(422, "invalid", "email: not an email address", "email")
    if len(password) < MIN_PASSWORD:
        raise AuthError(422, "invalid", f"password: at least {MIN_PASSWORD} characters", "password")
    if not password.strip():
        raise AuthError(422, "invalid", "password: must not be only whitespace", "password")
    if invite_code:
        await _usable_invite(invite_code, now)
    elif not allow_signup and await Workspace.exists():
        raise _signup_closed()
    # Only an invite holder or, with ALLOW_SIGNUP, anyone gets this far (see README, sign-up).
    if await User.exists(email=email):
        raise AuthError(409, "email_taken", "email: a user with this email already exists", "email")
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        async with in_transaction() as connection:
            if invite_code:
                workspace, role = await _redeem(invite_code, now), "member"
            else:
                await _one_signup_at_a_time(connection)
                if not allow_signup and await Workspace.exists():
                    raise _signup_closed()  # another first user got here first
                label = workspace_name or f"{name or email.split('@')[0]}'s workspace"
                workspace, role = await Workspace.create(name=label[:200]), "owner"
            return await User.create(
                workspace=workspace,
                email=email,
                password_hash=password_hash,
                name=name[:200],
                role=role,
            )
    except IntegrityError as exc:
        raise AuthError(
            409, "email_taken", "email: a user with this email already exists", "email"
        ) from exc


def _signup_closed() -> AuthError:
    return AuthError(
        403,
        "signup_closed",
        "invite_code: this server registers new users only with an invite code from a "
        "workspace owner",
        "invite_code",
    )


async def _one_signup_at_a_time(connection: BaseDBAsyncClient) -> None:
    """On PostgreSQL, wait for any other new-workspace registration to commit first.

    Without it, two first registrations at once would each see no workspace and both open
    one. SQLite runs one write transaction at a time anyway.
    """
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [SIGNUP_LOCK])


async def _usable_invite(code: str, now: datetime) -> None:
    """AuthError unless the invite exists and has a seat left (it is used in `_redeem`)."""
    if not await Invite.exists(code=code, expires_at__gt=now, uses__lt=F("max_uses")):
        raise AuthError(
            422, "invalid_invite", "invite_code: unknown, expired or used up", "invite_code"
        )


async def _redeem(code: str, now: datetime) -> Workspace:
    """Use one seat of an invite (atomically); AuthError when it is unknown, used up or expired."""
    taken = await Invite.filter(code=code, expires_at__gt=now, uses__lt=F("max_uses")).update(
        uses=F("uses") + 1
    )
    if taken != 1:
        raise AuthError(
            422, "invalid_invite", "invite_code: unknown, expired or used up", "invite_code"
        )
    invite = await Invite.get(code=code).prefetch_related("workspace")
    return invite.workspace


async def login(email: str, password: str, address: str, secret: str) -> TokenPair:
    """Check the password (throttled per email and address) and open a session."""
    email = normalize_email(email)
    attempt = await throttle.begin(email, address)
    user = await User.get_or_none(email=email)
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = await asyncio.to_thread(verify_password, password, stored)
    if user is None or not matches or not user.is_active:
        raise AuthError(401, "invalid_credentials", "wrong email or password")
    await throttle.succeeded(attempt)
    return await start_session(user, secret)


async def create_invite(
    owner: User, *, max_uses: int = 1, ttl: timedelta = INVITE_TTL, now: datetime | None = None
) -> Invite:
    """A new invite code into the owner's workspace."""
    if owner.role != "owner":
        raise AuthError(403, "forbidden", "only the workspace owner can create invites")
    now = now or datetime.now(UTC)
    return await Invite.create(
        workspace_id=owner.workspace_id,
        created_by=owner,
        code=secrets.token_urlsafe(18),
        max_uses=max_uses,
        expires_at=now + ttl,
    )
