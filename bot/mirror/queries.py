"""Query pieces the Slack mirror shares."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F, Q

from bot.thread.blocks import STATUS_MARKS
from inbox.services.ingest.updates import TEXT_BEHIND


def differ(wanted: str, shown: str) -> Q:
    """Rows where two nullable columns differ (NULL vs a value counts; SQL `<>` alone misses it)."""
    only_wanted: dict[str, Any] = {f"{wanted}__isnull": False, f"{shown}__isnull": True}
    only_shown: dict[str, Any] = {f"{wanted}__isnull": True, f"{shown}__isnull": False}
    same: dict[str, Any] = {wanted: F(shown)}
    return Q(**only_wanted) | Q(**only_shown) | ~Q(**same)


def shown_differs() -> Q:
    """Messages whose delivery mark, reaction, deletion or edit the thread does not show yet."""
    marked = list(STATUS_MARKS)
    status = Q(is_incoming=False) & (
        Q(slack_status__isnull=True, status__in=marked)
        | Q(slack_status__isnull=False, slack_status__in=marked) & ~Q(slack_status=F("status"))
    )
    reaction = differ("reaction", "slack_reaction")
    deleted = Q(is_deleted=True, slack_ts__isnull=False) & (
        Q(slack_status__isnull=True) | ~Q(slack_status="deleted")
    )
    rerender = Q(slack_status=TEXT_BEHIND, slack_ts__isnull=False)
    return status | reaction | deleted | rerender
