"""Context in a thread post that is not a structured part: the story a message is about
(linked, never copied) and whether the customer edited the message. Pure functions, no I/O.

A story keeps its CDN link in `url` (Meta allows the link, not the media) and `expired` once
it stops answering. Places, referrals and the other parts are shown by inbox/display.py.
"""

from __future__ import annotations

from typing import Any

from bot.thread.text import escape
from inbox.platforms.common import str_at
from inbox.platforms.parts import PART_TYPES

STORY_EXPIRED = "the story has expired"
STORY_KINDS = frozenset({"story", "story_mention"})
# Stored attachment entries that are context, not files: shown in words, never fetched.
CONTEXT_KINDS = STORY_KINDS | {"edit"} | PART_TYPES


def web_link(value: object) -> str | None:
    """An http(s) link, else None (a placeholder or another scheme is never linked)."""
    text = str_at(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def is_edited(attachments: list[dict[str, Any]] | None) -> bool:
    """True when the customer edited the message since it was sent."""
    return any(a.get("type") == "edit" for a in attachments or [])


def story_of(attachments: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The story a message mentions or replies to, if any."""
    return next((a for a in attachments or [] if a.get("type") in STORY_KINDS), None)


def slack_lines(attachments: list[dict[str, Any]] | None) -> list[str]:
    """mrkdwn lines for the story a message is about (places and referrals: inbox/display.py)."""
    lines: list[str] = []
    story = story_of(attachments)
    if story is not None:
        url = web_link(story.get("url"))
        if story.get("expired"):
            lines.append(f"_{STORY_EXPIRED}_")
        elif url:
            lines.append(f"<{escape(url).replace('|', '%7C')}|open the story>")
    return lines
