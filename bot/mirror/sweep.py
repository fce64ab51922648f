"""Which conversations have Slack work left behind (lost kicks, crashed runs, outages).

Also: relinks asked for, root cards behind their conversation's state, agents' reactions not
yet on the platform, and (hourly) cards whose reply window just closed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from bot.install.workspaces import served_workspaces
from bot.mirror.poster import max_age
from bot.mirror.queries import shown_differs
from bot.mirror.relink import REQUESTED
from bot.replies.reactions import unsent_reactions
from inbox.models import Conversation, Message
from inbox.platforms.outbound import HUMAN_AGENT_WINDOW, STANDARD_WINDOW
from inbox.settings import Settings, tunable

BATCH = 500


def grace() -> timedelta:
    """How old an unposted message must be before the sweep takes it (SLACK_SWEEP_GRACE_SECONDS)."""
    return timedelta(seconds=tunable("SLACK_SWEEP_GRACE_SECONDS"))


async def pending_conversations(
    now: datetime | None = None, settings: Settings | None = None
) -> list[uuid.UUID]:
    """Conversations with unposted messages, unshown changes, or a run that died.

    With settings, workspaces no Slack bot serves are left out (their work waits for an
    install instead of filling every batch).
    """
    now = now or datetime.now(UTC)
    found: dict[uuid.UUID, None] = {}
    messages, conversations = Message.all(), Conversation.all()
    if settings is not None:
        served = await served_workspaces(settings)
        if not served:
            return []
        messages = messages.filter(workspace_id__in=served)
        conversations = conversations.filter(workspace_id__in=served)
    unposted = (
        await messages.filter(slack_posted=False, created_at__lt=now - grace())
        .distinct()
        .limit(BATCH)
        .values_list("conversation_id", flat=True)
    )
    changed = (
        await messages.filter(
            shown_differs() & Q(slack_posted=True) | unsent_reactions(),
            received_at__gte=now - max_age(),
        )
        .distinct()
        .limit(BATCH)
        .values_list("conversation_id", flat=True)
    )
    stale = await conversations.filter(
        Q(slack_lease_owner__isnull=False, slack_lease_until__lt=now)
        | Q(slack_relink=REQUESTED)
        | Q(slack_card_stale=True, slack_thread_ts__isnull=False)
    ).values_list("id", flat=True)
    for value in [*unposted, *changed, *stale]:
        found[uuid.UUID(str(value))] = None
    return list(found)


async def closing_windows(now: datetime | None = None) -> list[uuid.UUID]:
    """Mark stale the cards whose reply window closed in the last hour (their words change)."""
    now = now or datetime.now(UTC)
    hour = timedelta(hours=1)
    closed = Q(
        *(
            Q(last_incoming_at__gt=now - length - hour, last_incoming_at__lte=now - length)
            for length in (STANDARD_WINDOW, HUMAN_AGENT_WINDOW)
        ),
        join_type="OR",
    )
    query = Conversation.filter(closed, slack_thread_ts__isnull=False)
    ids = [uuid.UUID(str(v)) for v in await query.values_list("id", flat=True)]
    if ids:
        await Conversation.filter(id__in=ids).update(slack_card_stale=True)
    return ids
