"""Messenger / Instagram context in a thread post: where the customer came from (an ad, a
link), the story a message is about (linked, never copied), a place with its map link, and
whether the customer edited the message. Pure functions, no I/O.

Places and referrals are stored as structured parts (`type` + `details`); a story keeps its
CDN link in `url` (Meta allows the link, not the media) and `expired` once it stops answering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.thread.text import escape

STORY_EXPIRED = "the story has expired"
STORY_KINDS = frozenset({"story", "story_mention"})
# Stored attachment entries that are context, not files: shown in words, never fetched.
CONTEXT_KINDS = STORY_KINDS | {"location", "referral", "edit"}
MAP_URL = "https://www.google.com/maps/search/?api=1&query={lat},{lon}"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def web_link(value: object) -> str | None:
    """An http(s) link, else None (a placeholder or another scheme is never linked)."""
    text = _text(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def _details(item: Mapping[str, Any]) -> Mapping[str, Any]:
    found = item.get("details")
    return found if isinstance(found, Mapping) else {}


def _coordinates(details: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = details.get("latitude"), details.get("longitude")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return float(lat), float(lon)
    return None


def map_link(item: Mapping[str, Any]) -> str | None:
    """A map link for a place: from its coordinates, else the link Meta gave."""
    details = _details(item)
    where = _coordinates(details)
    if where is not None:
        return MAP_URL.format(lat=where[0], lon=where[1])
    return web_link(details.get("url"))


def place_words(item: Mapping[str, Any]) -> str:
    """A place as people read it: its name (or "a location") and the coordinates."""
    details = _details(item)
    name = ", ".join(str(details[k]) for k in ("name", "address") if _text(details.get(k)))
    where = _coordinates(details)
    if where is not None:
        return f"{name or 'a location'} ({where[0]:.6g}, {where[1]:.6g})"
    return name or "a location"


def referral_line(item: Mapping[str, Any]) -> str:
    """Where the customer came from, as one line ("came from the ad '…'")."""
    details = _details(item)
    source = (_text(details.get("source_type")) or "").upper()
    ref = _text(details.get("ref"))
    title = _text(details.get("headline"))
    if source == "ADS" or details.get("source_id"):
        what = f"the ad “{title}”" if title else "an ad"
    elif source in ("SHORTLINK", "SHORT-URL", "SHORTLINKS"):
        what = "an m.me link"
    elif source == "IGME-SOURCE-LINK":
        what = "an ig.me link"
    elif source == "CUSTOMER_CHAT_PLUGIN":
        what = "the chat plugin on your website"
    else:
        what = f"a {source.lower()} referral" if source else "a referral"
    return f"came from {what}" + (f" (ref {ref})" if ref else "")


def is_edited(attachments: list[dict[str, Any]] | None) -> bool:
    """True when the customer edited the message since it was sent."""
    return any(a.get("type") == "edit" for a in attachments or [])


def story_of(attachments: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The story a message mentions or replies to, if any."""
    return next((a for a in attachments or [] if a.get("type") in STORY_KINDS), None)


def location_link(item: Mapping[str, Any]) -> str:
    """A place in Slack mrkdwn: its name linked to a map."""
    words = escape(place_words(item))
    link = map_link(item)
    return f"<{escape(link).replace('|', '%7C')}|{words}>" if link else words


def slack_lines(attachments: list[dict[str, Any]] | None) -> list[str]:
    """mrkdwn lines for the context a message carries: referrals, places and its story."""
    items = attachments or []
    lines = [f"_{escape(referral_line(a))}_" for a in items if a.get("type") == "referral"]
    places = [a for a in items if a.get("type") == "location"]
    lines += [f"_sent a location:_ {location_link(a)}" for a in places]
    story = story_of(items)
    if story is not None:
        url = web_link(story.get("url"))
        if story.get("expired"):
            lines.append(f"_{STORY_EXPIRED}_")
        elif url:
            lines.append(f"<{escape(url).replace('|', '%7C')}|open the story>")
    return lines
