"""One Slack mirror run per conversation at a time, across processes, on the database.

A run holds a lease (owner + expiry) on the conversation row. A kick that finds the lease
held asks the holder to go round once more (`slack_rerun`) instead of waiting, so work that
arrives during a run is never left for the sweep. A lease found expired means its holder
died mid-run: the next holder first checks Slack for posts that were made but not saved.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tortoise.expressions import Q

from inbox.models import Conversation
from inbox.settings import tunable


def lease_length() -> timedelta:
    """How long a run may go without renewing (SLACK_LEASE_SECONDS, default 120)."""
    return timedelta(seconds=tunable("SLACK_LEASE_SECONDS"))


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
    renewed: float = field(default_factory=time.monotonic)  # set before the write, to be safe

    async def renew(self) -> bool:
        """Extend the lease; False when it was lost (expired and taken by another run).

        Within a quarter of its length since it was last written, the lease cannot have
        expired, so nobody can have taken it: no write is needed before each post.
        """
        length = lease_length()
        started = time.monotonic()
        if started - self.renewed < length.total_seconds() / 4:
            return True
        updated = await Conversation.filter(
            id=self.conversation_id, slack_lease_owner=self.owner
        ).update(slack_lease_until=datetime.now(UTC) + length)
        if updated == 1:
            self.renewed = started
        return updated == 1

    async def start_round(self) -> bool:
        """Clear the rerun request before looking for work; False when the lease was lost."""
        updated = await Conversation.filter(
            id=self.conversation_id, slack_lease_owner=self.owner
        ).update(slack_rerun=False)
        return updated == 1

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
        started = time.monotonic()
        now = datetime.now(UTC)
        until = now + lease_length()
        free = await Conversation.filter(id=conversation_id, slack_lease_owner__isnull=True).update(
            slack_lease_owner=owner, slack_lease_until=until, slack_rerun=False
        )
        if free:
            return Lease(conversation_id, owner, Taken.FREE, started)
        # Under load most kicks find a live holder: ask it first, a dead one is rare.
        asked = await Conversation.filter(
            id=conversation_id, slack_lease_owner__isnull=False, slack_lease_until__gte=now
        ).update(slack_rerun=True)
        if asked:
            return None
        stale = await Conversation.filter(
            Q(slack_lease_until__isnull=True) | Q(slack_lease_until__lt=now),
            id=conversation_id,
            slack_lease_owner__isnull=False,
        ).update(slack_lease_owner=owner, slack_lease_until=until, slack_rerun=False)
        if stale:
            return Lease(conversation_id, owner, Taken.STALE, started)
        if not await Conversation.exists(id=conversation_id):
            return None
    return None
