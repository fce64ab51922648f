"""The thread's root card kept current: status, assignee and reply window, via chat.update."""

from __future__ import annotations

import logging

from bot.mirror.relink import ROOT_DELETED
from bot.slack.errors import ChannelGone, SlackRefused, SlackUnsure, call
from bot.thread.mapping import Run
from inbox.models import Conversation

log = logging.getLogger(__name__)

ROOT_GONE = frozenset({"message_not_found"})


async def show_state(run: Run) -> None:
    """Update the root card once after resolve/reopen/assign (`slack_card_stale`)."""
    c = run.conversation
    if not c.slack_card_stale or c.slack_thread_ts is None:
        return
    await run.renew()
    if not await run.take_state():
        return
    text, blocks = run.card()
    try:
        await call(
            run.slack.chat_update(channel=run.channel, ts=run.thread_ts, text=text, blocks=blocks)
        )
    except SlackUnsure:
        await Conversation.filter(id=c.id).update(slack_card_stale=True)
        raise
    except SlackRefused as exc:
        if exc.error in ROOT_GONE:
            await Conversation.filter(id=c.id, slack_relink__isnull=True).update(
                slack_relink=ROOT_DELETED
            )
        log.warning("conversation %s: card not updated (%s)", c.id, exc.error)
    except ChannelGone as exc:
        log.warning("conversation %s: card not updated, thread gone (%s)", c.id, exc)
