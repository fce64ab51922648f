"""Figures in words for Slack messages: durations, counts, relative times. Pure."""

from __future__ import annotations

from datetime import datetime


def duration(seconds: float | None) -> str:
    """A wait in words: "under a minute", "4 min", "1 h 5 min", "1 d 3 h", "3 days" or "n/a"."""
    if seconds is None:
        return "n/a"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    if days >= 2:
        return plural(days + (hours >= 12), "day")
    return f"{days} d {hours} h" if hours else f"{days} d"


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 message", "3 messages"."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def ago(at: datetime | None, now: datetime, never: str = "never") -> str:
    """How long ago, in words ("5 min ago"), or `never`."""
    if at is None:
        return never
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "just now"
    return f"{duration(seconds)} ago"
