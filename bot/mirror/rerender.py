"""Posts updated in place when what a customer message says changed after it was posted: an
edit ("(edited)"), or a story whose link stopped answering ("the story has expired").

Media is not fetched again: files already in the thread stay where they are.
"""

from __future__ import annotations

from bot.mirror import media
from bot.slack.errors import ChannelGone, SlackRefused, call
from bot.thread.context import CONTEXT_KINDS
from bot.thread.mapping import Run
from bot.thread.render import Copied, MessageView, message_text
from inbox.models import Message
from inbox.services.ingest.updates import TEXT_BEHIND, TEXT_UPDATED


def view_of(run: Run, message: Message) -> MessageView:
    """What the post of `message` shows now, its files taken as already copied."""
    items = list(message.attachments or [])
    copied = [
        Copied(
            kind,
            kind in media.UPLOADABLE,
            caption=_text(a.get("caption")),
            link=_text(a.get("url")),
        )
        for a in items
        if (kind := str(a.get("type") or "file")) not in CONTEXT_KINDS
    ]
    return MessageView(
        platform=run.platform,
        customer=run.customer,
        account_name=run.account.name or run.account.external_id,
        is_incoming=message.is_incoming,
        kind=message.kind,
        content=message.content,
        source=message.source,
        agent=message.agent,
        is_deleted=message.is_deleted,
        copied=copied,
        attachments=items,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


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
        text = message_text(view_of(run, message))
        try:
            await call(
                run.slack.chat_update(channel=run.channel, ts=str(message.slack_ts), text=text)
            )
        except (SlackRefused, ChannelGone):
            pass  # the post is gone or not ours to change: nothing left to update
        await Message.filter(id=message.id, slack_status=TEXT_BEHIND).update(
            slack_status=TEXT_UPDATED
        )
