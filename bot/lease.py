"""One Slack mirror run per conversation at a time, across processes, on the database.

A run holds a lease (owner + expiry) on the conversation row. A kick that finds the lease
held asks the holder to go round once more (`slack_rerun`) instead of waiting, so work that
arrives during a run is never left for the sweep. A lease found expired means its holder
died mid-run: the next holder first checks Slack for posts that were made but not saved.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tortoise.expressions import Q

from inbox.models import Conversation


def lease_length() -> timedelta:
    """How long a run may go without renewing (SLACK_LEASE_SECONDS, default 120)."""
    return timedelta(seconds=float(os.environ.get("SLACK_LEASE_SECONDS", "120")))


class Taken(StrEnum):
    """How a lease was obtained."""

    FREE = "free"
    STALE = "stale"  # the previous holder died (or gave up unsure): recover before posting


@dataclass(slots=True)
class Lease:
    """A held lease on one conversation."""

    conversation_id: uuid.UUID
    owner: str
    taken: Taken

    async def renew(self) -> bool:
        """Extend the lease; False when it was lost (expired and taken by another run)."""
        until = datetime.now(UTC) + lease_length()
        updated = await Conversation.filter(
            id=self.conversation_id, slack_lease_owner=self.owner
        ).update(slack_lease_until=until)
        return updated == 1

    async def start_round(self) -> None:
        """Clear the rerun request before looking for work."""
        await Conversation.filter(id=self.conversation_id, slack_lease_owner=self.owner).update(
            slack_rerun=False
        )

    async def release(self, *, force: bool = False) -> bool:
        """Give the lease up unless a rerun was asked for meanwhile (then False: go again)."""
        query = Conversation.filter(id=self.conversation_id, slack_lease_owner=self.owner)
        if not force:
            query = query.filter(slack_rerun=False)
        released = await query.update(slack_lease_owner=None, slack_lease_until=None)
        return released == 1

    async def abandon(self) -> None:
        """Give up unsure whether the last post landed: the next run recovers first."""
        await Conversation.filter(id=self.conversation_id, slack_lease_owner=self.owner).update(
            slack_lease_until=datetime.now(UTC) - timedelta(seconds=1)
        )


async def acquire(conversation_id: uuid.UUID) -> Lease | None:
    """Take the lease, or ask its live holder for another round and return None."""
    owner = str(uuid.uuid4())
    for _ in range(3):
        now = datetime.now(UTC)
        until = now + lease_length()
        free = await Conversation.filter(id=conversation_id, slack_lease_owner__isnull=True).update(
            slack_lease_owner=owner, slack_lease_until=until, slack_rerun=False
        )
        if free:
            return Lease(conversation_id, owner, Taken.FREE)
        stale = await Conversation.filter(
            Q(slack_lease_until__isnull=True) | Q(slack_lease_until__lt=now),
            id=conversation_id,
            slack_lease_owner__isnull=False,
        ).update(slack_lease_owner=owner, slack_lease_until=until, slack_rerun=False)
        if stale:
            return Lease(conversation_id, owner, Taken.STALE)
        asked = await Conversation.filter(
            id=conversation_id, slack_lease_owner__isnull=False, slack_lease_until__gte=now
        ).update(slack_rerun=True)
        if asked:
            return None
        if not await Conversation.exists(id=conversation_id):
            return None
    return None
