"""The Conversations API (Messenger, Instagram): pages of conversations → normalized events.

`GET /{page-id}/conversations?platform=messenger|instagram&fields=…` pages with cursors,
newest-updated conversation first; only the 20 most recent messages of a conversation have
details. A message from the account itself is an Echo, any other an InboundMessage, both
with the ids webhooks carry, so storing them dedupes against what webhooks stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inbox.platforms.common import as_list, dig, ignored, str_at
from inbox.platforms.events import Attachment, Echo, Event, InboundMessage, MessageKind

MESSAGES_WITH_DETAILS = 20
CONVERSATION_FIELDS = (
    "id,updated_time,participants,"
    f"messages.limit({MESSAGES_WITH_DETAILS}){{id,created_time,from,to,message,attachments}}"
)


def parse_time(value: Any) -> datetime | None:
    """Graph's `2026-07-29T08:40:04+0000` as an aware datetime; None when not that."""
    if not isinstance(value, str):
        return None
    for shape in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, shape)
        except ValueError:
            continue
    return None


@dataclass(slots=True)
class ConversationsPage:
    """What one page of the Conversations API holds for us."""

    events: list[Event] = field(default_factory=list)
    conversations: int = 0
    oldest_update: datetime | None = None
    reached_cutoff: bool = False
    after: str | None = None


def _attachment(raw: Any) -> Attachment | None:
    if not isinstance(raw, dict):
        return None
    mime = str_at(raw, "mime_type")
    if isinstance(raw.get("image_data"), dict):
        return Attachment("image", str_at(raw, "image_data", "url"), mime_type=mime)
    if isinstance(raw.get("video_data"), dict):
        return Attachment("video", str_at(raw, "video_data", "url"), mime_type=mime)
    kind = "audio" if (mime or "").startswith("audio/") else "file"
    return Attachment(kind, str_at(raw, "file_url"), mime_type=mime)


def _message(platform: str, account_id: str, raw: Any) -> Event | None:
    if not isinstance(raw, dict):
        return ignored(platform, "conversation message is not an object", account_id, raw)
    mid, sender = str_at(raw, "id"), str_at(raw, "from", "id")
    when = parse_time(raw.get("created_time"))
    if mid is None or sender is None or when is None:
        return ignored(platform, "conversation message without id, from or time", account_id, raw)
    text = str_at(raw, "message")
    attachments = tuple(
        a for a in map(_attachment, as_list(dig(raw, "attachments", "data"))) if a is not None
    )
    if text is not None:
        kind = MessageKind.TEXT
    elif attachments:
        kind = MessageKind.MEDIA
    else:
        kind = MessageKind.UNSUPPORTED
    if sender == account_id:
        recipients = as_list(dig(raw, "to", "data"))
        recipient = str_at(recipients[0], "id") if recipients else None
        if recipient is None:
            return ignored(platform, "conversation echo without recipient", account_id, raw)
        return Echo(platform, account_id, mid, recipient, when, text, kind, attachments)
    name = str_at(raw, "from", "name") or str_at(raw, "from", "username")
    return InboundMessage(
        platform, account_id, mid, sender, when, text, kind, attachments, sender_name=name
    )


def parse_conversations_page(
    platform: str, account_id: str, body: Any, since: datetime | None
) -> ConversationsPage:
    """Events for messages created at or after `since` (all when None) on one page.

    Conversations come newest-updated first, so one updated before `since` means every
    later page is older still: `reached_cutoff` tells the caller to stop paging.
    """
    page = ConversationsPage()
    for conversation in as_list(dig(body, "data")):
        updated = parse_time(dig(conversation, "updated_time"))
        if updated is not None:
            if page.oldest_update is None or updated < page.oldest_update:
                page.oldest_update = updated
            if since is not None and updated < since:
                page.reached_cutoff = True
                continue
        page.conversations += 1
        for raw in as_list(dig(conversation, "messages", "data")):
            event = _message(platform, account_id, raw)
            stamp = getattr(event, "timestamp", None)
            if event is None or (since is not None and stamp is not None and stamp < since):
                continue
            page.events.append(event)
    if str_at(body, "paging", "next") is not None:
        page.after = str_at(body, "paging", "cursors", "after")
    return page
