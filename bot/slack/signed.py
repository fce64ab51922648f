"""Signed, expiring tokens for links cahts hands out (file links, Slack install links)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

import jwt

from inbox.settings import Settings


def _key(settings: Settings, purpose: bytes) -> bytes:
    """A key per purpose, derived from JWT_SECRET, so these tokens are never API tokens."""
    return hmac.new(settings.jwt_secret.encode(), purpose, hashlib.sha256).digest()


def sign(
    settings: Settings,
    purpose: bytes,
    audience: str,
    claims: dict[str, Any],
    *,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """A token carrying `claims` for one audience, valid for `lifetime`."""
    body = {**claims, "aud": audience, "exp": now + lifetime}
    return jwt.encode(body, _key(settings, purpose), algorithm="HS256")


def verify(settings: Settings, purpose: bytes, audience: str, token: str) -> dict[str, Any] | None:
    """The claims of a valid token, or None when it is forged, altered or expired."""
    try:
        claims = jwt.decode(token, _key(settings, purpose), algorithms=["HS256"], audience=audience)
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None
