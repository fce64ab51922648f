"""The MessageView of a stored message: what its post shows, when first posted or re-rendered."""

from __future__ import annotations

from typing import Any

from bot.mirror import media
from bot.templates.blocks import category_words
from bot.thread.context import CONTEXT_KINDS
from bot.thread.mapping import Run
from bot.thread.render import Copied, MessageView, attachment_words
from inbox.display import media_words
from inbox.models import Message
from inbox.platforms.common import str_at
from inbox.services.templates.sending import stored_template


def files_fetchable(message: Message) -> bool:
    """True when the message's files come from the platform (an agent's links are not fetched)."""
    return message.source in media.PLATFORM_SOURCES


def as_copied(item: dict[str, Any], fetchable: bool) -> Copied | None:
    """An attachment as its post shows it once copied; None for context (a story, an edit)."""
    kind = str(item.get("type") or "file")
    if kind in CONTEXT_KINDS:
        return None  # shown in words (render.part_lines, context); a story is not kept
    caption = str_at(item, "caption") or str_at(item, "details", "title")  # a link's, a reel's
    words = media_words(item)
    if kind not in media.UPLOADABLE or not fetchable:  # an agent's link is shown, not fetched
        return Copied(kind, False, caption=caption, link=str_at(item, "url"), words=words)
    return Copied(kind, True, caption=caption, words=words)


def as_posted(message: Message) -> list[Copied]:
    """The message's attachments taken as already copied (a re-render fetches nothing again)."""
    if message.is_deleted:
        return []
    found = files_fetchable(message)
    copied = (as_copied(item, found) for item in message.attachments or [])
    return [c for c in copied if c is not None]


def message_view(
    run: Run, message: Message, copied: list[Copied], reply_to_text: str | None = None
) -> MessageView:
    """What the post of `message` shows, given what became of its attachments."""
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
        reply_to_text=reply_to_text,
        copied=copied,
        template=template_label(message),
        attachments=[] if message.is_deleted else list(message.attachments or []),
    )


async def reply_quote(run: Run, message: Message) -> str | None:
    """What a reply quotes: the earlier message's words, "" when it is unknown, None if no reply."""
    if not message.reply_to:
        return None
    target = await Message.get_or_none(
        platform_account_id=run.account.id, platform_message_id=message.reply_to
    )
    return _describe(target) if target is not None else ""


def template_label(message: Message) -> str | None:
    """ "name · language · category" of a template we sent, for its context line."""
    stored = stored_template(message)
    if stored is None:
        return None
    parts = [str(stored.get(k) or "") for k in ("template", "language", "category")]
    parts[2] = category_words(parts[2]) if parts[2] else ""
    return " · ".join(p for p in parts if p)


def _describe(message: Message) -> str:
    """A message's words, or what it carried, for quoting."""
    if message.content:
        return message.content
    items = message.attachments or []
    return attachment_words(str(items[0].get("type"))) if items else ""
