"""Housekeeping of sign-in state: old login attempts, expired refresh tokens, dead OAuth states."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.models import RefreshToken
from inbox.services.accounts.meta_oauth import prune_states
from inbox.services.sessions import throttle
from inbox.tasks.broker import broker


async def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete rows that can no longer matter; returns how many of each went."""
    now = now or datetime.now(UTC)
    return {
        "login_attempts": await throttle.prune(now),
        "refresh_tokens": await RefreshToken.filter(expires_at__lt=now).delete(),
        "oauth_states": await prune_states(now),
    }


@broker.task(task_name="prune_sessions", schedule=[{"cron": "41 * * * *"}])
async def prune_sessions() -> dict[str, int]:
    """Hourly: forget old login attempts, expired refresh tokens and unusable OAuth states."""
    return await prune()
