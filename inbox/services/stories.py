"""Instagram stories a message mentions or replies to.

Meta lets us keep a story's CDN link but not its media: cahts links it and never fetches its
bytes to keep them. A story lives 24 hours (less if its author deletes it); once its link
answers 404 or 410 the message's story entry is marked `expired` and shown as such.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from inbox import events as domain
from inbox.bus import EventBus
from inbox.models import Message, PlatformAccount
from inbox.netguard import GuardedHttp, Refused
from inbox.services.ingest.items import IngestResult
from inbox.services.ingest.updates import TEXT_BEHIND

log = logging.getLogger(__name__)

STORY_ENTRIES = frozenset({"story", "story_mention"})
STORY_MESSAGES = ("story_mention", "story_reply")
GONE = frozenset({404, 410})
# How long after a story message its link is still checked (a story lives 24 hours).
WATCH = timedelta(hours=48)
TIMEOUT = aiohttp.ClientTimeout(total=15, sock_connect=5)
CHECK_SECONDS = 10  # a slow CDN never holds a thread's posts up for longer


def _story(message: Message) -> dict[str, Any] | None:
    return next((a for a in message.attachments or [] if a.get("type") in STORY_ENTRIES), None)


async def link_gone(http: GuardedHttp, url: str, trusted: Iterable[str] = ()) -> bool:
    """True when the story's link answers 404/410; any other answer or failure says nothing."""
    try:
        async with asyncio.timeout(CHECK_SECONDS), http.get(url, trusted=trusted) as response:
            return response.status in GONE
    except (Refused, aiohttp.ClientError, TimeoutError) as exc:
        log.info("story link not checked (%s)", type(exc).__name__)
        return False


async def mark_if_expired(message: Message, http: GuardedHttp, trusted: Iterable[str] = ()) -> bool:
    """Check one message's story link; mark the story expired (and its post behind) if gone."""
    story = _story(message)
    url = story.get("url") if story else None
    if story is None or story.get("expired") or not isinstance(url, str) or not url:
        return False
    if not await link_gone(http, url, trusted):
        return False
    message.attachments = [
        {**a, "expired": True} if a is story else a for a in message.attachments or []
    ]
    changes: dict[str, Any] = {"attachments": message.attachments}
    if message.slack_ts is not None and message.slack_status != "deleted":
        changes["slack_status"] = message.slack_status = TEXT_BEHIND
    await Message.filter(id=message.id).update(**changes)
    return True


async def check_recent(
    http: GuardedHttp,
    bus: EventBus | None,
    trusted: Iterable[str] = (),
    now: datetime | None = None,
) -> int:
    """Check the links of recent story messages; announce the ones that expired."""
    since = (now or datetime.now(UTC)) - WATCH
    rows = await Message.filter(
        kind__in=STORY_MESSAGES, received_at__gte=since, is_deleted=False
    ).order_by("received_at")
    trusted = tuple(trusted)
    expired = [m for m in rows if await mark_if_expired(m, http, trusted)]
    if expired and bus is not None:
        accounts = {
            a.id: a
            for a in await PlatformAccount.filter(
                id__in=list({m.platform_account_id for m in expired})
            )
        }
        result = IngestResult(log_id=uuid.uuid4())
        result.events.extend(
            domain.MessageEdited.of(accounts[m.platform_account_id], m) for m in expired
        )
        for event in result.events:
            await bus.publish(event)
        await bus.hooks.stored(result)
    return len(expired)
