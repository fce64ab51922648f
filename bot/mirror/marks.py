"""What changes after a post: unsent and edited messages, reactions, delivery status marks.

A customer's reaction becomes the same emoji as a Slack reaction on the mirrored message
(removed when they remove it); an emoji Slack does not know is said in words instead.

Each is state on the message (`is_deleted`, `reaction`, `status`) beside what the thread shows
(`slack_status`, `slack_reaction`); a run shows every difference, so a lost kick only delays.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from tortoise.expressions import F, Q

from bot.mirror.queries import differ
from bot.mirror.rerender import show_rerenders
from bot.slack.errors import ChannelGone, SlackRefused, call
from bot.templates.blocks import open_button
from bot.thread.blocks import STATUS_MARKS, failure_notice
from bot.thread.mapping import Run
from bot.thread.render import (
    customer_author,
    reaction_text,
    unsent_text,
)
from bot.thread.text import reaction_name
from inbox.models import Message, Outbox
from inbox.platforms.outbound import EXPLANATIONS, RETRY_USELESS, SendErrorKind, classify

log = logging.getLogger(__name__)

_HARMLESS = frozenset(
    {"already_reacted", "no_reaction", "message_not_found", "cant_update_message"}
)


async def show_changes(run: Run) -> None:
    """Bring deletions, reactions and delivery marks in the thread up to date."""
    if run.conversation.slack_thread_ts is None:
        return
    await _deletions(run)
    await show_rerenders(run)
    await _reactions(run)
    await _statuses(run)


async def _tolerant(run: Run, what: str, request: Awaitable[Any]) -> None:
    """A call whose refusal (already done, message or channel gone) must not stop the thread.

    Slack failing to answer still stops the run (SlackUnsure): the change is shown later.
    """
    try:
        await call(request)
    except SlackRefused as exc:
        if exc.error not in _HARMLESS:
            log.warning("conversation %s: %s refused (%s)", run.conversation.id, what, exc.error)
    except ChannelGone as exc:
        log.warning(
            "conversation %s: %s: channel or thread gone (%s)", run.conversation.id, what, exc
        )


async def _deletions(run: Run) -> None:
    rows = await Message.filter(
        Q(slack_status__isnull=True) | ~Q(slack_status="deleted"),
        conversation_id=run.conversation.id,
        is_deleted=True,
        slack_posted=True,
        slack_ts__isnull=False,
    ).order_by("received_at")
    for message in rows:
        await run.renew()
        text = unsent_text(run.customer)
        request = run.slack.chat_update(channel=run.channel, ts=str(message.slack_ts), text=text)
        await _tolerant(run, "chat.update", request)
        await Message.filter(id=message.id).update(slack_status="deleted")


async def _reactions(run: Run) -> None:
    rows = await Message.filter(
        differ("reaction", "slack_reaction"),
        conversation_id=run.conversation.id,
        slack_posted=True,
    ).order_by("received_at")
    for message in rows:
        if message.reaction is None and message.slack_reaction is None:
            continue
        await run.renew()
        old = reaction_name(message.slack_reaction) if message.slack_reaction else None
        new = reaction_name(message.reaction) if message.reaction else None
        ts = message.slack_ts
        if ts and old:
            request = run.slack.reactions_remove(channel=run.channel, timestamp=ts, name=old)
            await _tolerant(run, "reactions.remove", request)
        placed = bool(ts and new) and await _react(run, str(ts), str(new))
        if not placed and (message.reaction or not old):
            await _reaction_line(run, message)  # no such Slack emoji (or no post): in words
        await Message.filter(id=message.id).update(slack_reaction=message.reaction)


async def _react(run: Run, ts: str, name: str) -> bool:
    """Put the customer's reaction on the post; False when Slack has no such emoji."""
    try:
        await call(run.slack.reactions_add(channel=run.channel, timestamp=ts, name=name))
    except SlackRefused as exc:
        return exc.error == "already_reacted"
    except ChannelGone:
        return True  # nothing can be shown in a gone thread; the next post relinks it
    return True


async def _reaction_line(run: Run, message: Message) -> None:
    request = run.slack.chat_postMessage(
        channel=run.channel,
        thread_ts=run.thread_ts,
        text=reaction_text(message.reaction, message.content),
        **customer_author(run.customer, run.platform).args(),
    )
    await _tolerant(run, "reaction line", request)


async def _statuses(run: Run) -> None:
    marked = list(STATUS_MARKS)
    rows = await Message.filter(
        Q(slack_status__isnull=True, status__in=marked)
        | Q(slack_status__isnull=False, slack_status__in=marked) & ~Q(slack_status=F("status")),
        conversation_id=run.conversation.id,
        is_incoming=False,
        slack_posted=True,
    ).order_by("received_at")
    for message in rows:
        wanted = message.status if message.status in STATUS_MARKS else None
        shown = message.slack_status if message.slack_status in STATUS_MARKS else None
        if wanted == shown:
            continue
        await run.renew()
        if message.slack_ts:
            if wanted is not None:
                await _tolerant(
                    run,
                    "reactions.add",
                    run.slack.reactions_add(
                        channel=run.channel, timestamp=message.slack_ts, name=STATUS_MARKS[wanted]
                    ),
                )
            if shown is not None:
                await _tolerant(
                    run,
                    "reactions.remove",
                    run.slack.reactions_remove(
                        channel=run.channel, timestamp=message.slack_ts, name=STATUS_MARKS[shown]
                    ),
                )
        if wanted == "failed":
            await _explain_failure(run, message)
        await Message.filter(id=message.id, status=message.status).update(slack_status=wanted)


def explain(error_code: int | None, error_message: str | None) -> str:
    """A failure in an agent's words; Meta's own text (from a status webhook) goes after them."""
    detail = (error_message or "").strip()
    if any(detail.startswith(words) for words in EXPLANATIONS.values()):
        return detail  # already explained when the send itself failed
    if error_code is None:
        return detail or EXPLANATIONS[SendErrorKind.PERMANENT]
    words = EXPLANATIONS[classify(400, error_code)]
    return f"{words} (Meta: {detail}, code {error_code})" if detail else words


async def _explain_failure(run: Run, message: Message) -> None:
    """Say in the thread why the message did not arrive, with Retry when we sent it."""
    explanation = explain(message.error_code, message.error_message)
    text, blocks = failure_notice(run.customer, explanation, str(message.id))
    kind = classify(400, message.error_code) if message.error_code is not None else None
    if kind in RETRY_USELESS or not await Outbox.exists(message_id=message.id):
        blocks = blocks[:1]  # sending the same again cannot help
    if kind is SendErrorKind.WINDOW_CLOSED and run.platform == "whatsapp":
        blocks.append({"type": "actions", "elements": [open_button(str(run.conversation.id))]})
    request = run.slack.chat_postMessage(
        channel=run.channel, thread_ts=run.thread_ts, text=text, blocks=blocks, unfurl_links=False
    )
    await _tolerant(run, "failure notice", request)
