"""Who wrote in Slack: display names from users.info, cached for an hour."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

TTL_SECONDS = 3600.0
LOOKUP_TIMEOUT = 1.5  # the reply is stored before Slack gets its answer (3 s)
_names: dict[str, tuple[str, float]] = {}


def _pick(user: dict[str, Any]) -> str | None:
    profile = user.get("profile") or {}
    for value in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


async def known_name(client: AsyncWebClient, user_id: str) -> str | None:
    """The Slack user's display name, or None when Slack does not say (in time)."""
    cached = _names.get(user_id)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    try:
        response = await asyncio.wait_for(client.users_info(user=user_id), LOOKUP_TIMEOUT)
        name = _pick(response.get("user") or {})
    except Exception as exc:  # a name is nice to have; the reply must not wait or fail on it
        log.info("users.info %s failed: %s", user_id, exc)
        name = None
    if name is None:
        return cached[0] if cached is not None else None
    if len(_names) > 10_000:
        _names.clear()
    _names[user_id] = (name, time.monotonic() + TTL_SECONDS)
    return name


async def display_name(client: AsyncWebClient, user_id: str) -> str:
    """The Slack user's display name; the id itself when Slack does not say."""
    return await known_name(client, user_id) or user_id
