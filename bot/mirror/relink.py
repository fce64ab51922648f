"""Relinking a conversation: a new thread in the account's current channel, history repeated.

`Conversation.slack_relink` asks for it: "requested" (`/inbox relink`, the message shortcut,
a thread that can no longer be posted to) relinks at the next mirror run; "root_deleted"
(someone deleted the thread's root) waits for the customer's next message. The mirror run,
holding the conversation's lease, forgets the old thread and marks the latest messages
unposted in one transaction; the ordinary posting round then opens the new thread and posts
them in order. A crash anywhere in between resumes like any other run, and recovery never
adopts a root from before the relink (`slack_relinked_at` bounds it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from bot.install.scope import TeamScope
from bot.slack.errors import ChannelGone, SlackRefused, call
from bot.thread.mapping import Run
from inbox.models import Conversation, Message
from inbox.settings import tunable

log = logging.getLogger(__name__)

REQUESTED = "requested"
ROOT_DELETED = "root_deleted"


def history_size() -> int:
    """How many of the latest messages a new thread repeats (SLACK_RELINK_HISTORY, 20)."""
    return max(int(tunable("SLACK_RELINK_HISTORY")), 0)


@dataclass(frozen=True, slots=True)
class OldThread:
    """The thread a relink replaced, still there to say where the conversation went."""

    channel: str
    ts: str


async def request_relink(conversation_id: uuid.UUID) -> None:
    """Ask the next mirror run to relink (the caller kicks it)."""
    await Conversation.filter(id=conversation_id).update(slack_relink=REQUESTED)


async def note_root_deleted(scope: TeamScope, channel: str, deleted_ts: str) -> Conversation | None:
    """A deleted message was a thread's root: the next message relinks that conversation."""
    conversation = await scope.thread(channel, deleted_ts)
    if conversation is None:
        return None
    await Conversation.filter(id=conversation.id, slack_relink__isnull=True).update(
        slack_relink=ROOT_DELETED
    )
    log.info(
        "conversation %s: its thread root was deleted; relinking with the next message",
        conversation.id,
    )
    return conversation


async def apply_relink(
    conversation: Conversation, cutoff: datetime, now: datetime | None = None
) -> tuple[bool, OldThread | None]:
    """Forget the thread and mark the latest messages unposted, when a relink is due now."""
    mode = conversation.slack_relink
    if mode is None:
        return False, None
    if mode == ROOT_DELETED and not await Message.exists(
        conversation_id=conversation.id, slack_posted=False
    ):
        return False, None
    old = None
    if mode == REQUESTED and conversation.slack_channel and conversation.slack_thread_ts:
        old = OldThread(conversation.slack_channel, conversation.slack_thread_ts)
    now = now or datetime.now(UTC)
    async with in_transaction():
        latest = (
            await Message.filter(conversation_id=conversation.id, received_at__gte=cutoff)
            .order_by("-received_at", "-created_at")
            .limit(history_size())
            .values_list("id", flat=True)
        )
        if latest:
            await Message.filter(id__in=list(latest)).update(
                slack_posted=False, slack_ts=None, slack_status=None, slack_reaction=None
            )
        await Conversation.filter(id=conversation.id).update(
            slack_channel=None,
            slack_thread_ts=None,
            slack_relink=None,
            slack_relinked_at=now,
            slack_card_stale=False,
        )
    conversation.slack_channel = conversation.slack_thread_ts = conversation.slack_relink = None
    conversation.slack_relinked_at = now
    log.info(
        "conversation %s: relinking (%s), repeating %d message(s)",
        conversation.id,
        mode,
        len(latest),
    )
    return True, old


async def point_old_thread(run: Run, old: OldThread) -> None:
    """Say in the replaced thread where the conversation continues; best effort."""
    if (old.channel, old.ts) == (run.conversation.slack_channel, run.conversation.slack_thread_ts):
        return
    await run.renew()
    text = f"_This conversation continues in a new thread in <#{run.channel}>._"
    try:
        await call(run.slack.chat_postMessage(channel=old.channel, thread_ts=old.ts, text=text))
    except (ChannelGone, SlackRefused) as exc:
        log.info("conversation %s: old thread not told (%s)", run.conversation.id, exc)
