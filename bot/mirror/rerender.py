"""Posts updated in place when what a customer message says changed after it was posted: an
edit ("(edited)"), or a story whose link stopped answering ("the story has expired").

Media is not fetched again: files already in the thread stay where they are.
"""

from __future__ import annotations

from bot.mirror.view import as_posted, message_view, reply_quote
from bot.slack.errors import ChannelGone, SlackRefused, call
from bot.thread.mapping import Run
from bot.thread.render import message_text
from inbox.models import Message
from inbox.services.ingest.updates import TEXT_BEHIND, TEXT_UPDATED


async def show_rerenders(run: Run) -> None:
    """Update every post of this conversation whose message changed since it was posted."""
    rows = await Message.filter(
        conversation_id=run.conversation.id,
        slack_status=TEXT_BEHIND,
        slack_posted=True,
        slack_ts__isnull=False,
    ).order_by("received_at")
    for message in rows:
        await run.renew()
        quote = await reply_quote(run, message)
        text = message_text(message_view(run, message, as_posted(message), quote))
        try:
            await call(
                run.slack.chat_update(channel=run.channel, ts=str(message.slack_ts), text=text)
            )
        except (SlackRefused, ChannelGone):
            pass  # the post is gone or not ours to change: nothing left to update
        await Message.filter(id=message.id, slack_status=TEXT_BEHIND).update(
            slack_status=TEXT_UPDATED
        )
