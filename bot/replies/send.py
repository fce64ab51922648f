"""A human's reply in a mapped thread → the customer, exactly once.

Runs before Slack gets its answer (Bolt's process_before_response): the Slack event id, the
messages and their outbox rows commit in one transaction, so an acknowledged reply is never
lost and a retried event (same event_id) never sends twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.install.scope import TeamScope
from bot.mirror.tasks import slack_post_notice
from bot.replies.files import file_link
from bot.slack.agents import display_name, known_name
from bot.templates.card import refusal_blocks
from bot.thread.blocks import refusal_text
from bot.thread.text import mentioned_users, strip_notes, to_customer_text
from inbox.models import Conversation, Message, SlackEvent
from inbox.services.sending.outbox import ReplyAttachment, SendRefused, queue_reply
from inbox.settings import Settings
from inbox.tasks.sending import enqueue_sends

log = logging.getLogger(__name__)

SENT_SUBTYPES = (None, "file_share")
# The columns these ids are stored in or looked up by; Slack's own ids are far shorter.
_ID_LENGTHS = {"user": 32, "channel": 64, "ts": 32, "thread_ts": 32}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one Slack message event."""

    action: str  # queued | refused | note | duplicate | ignored
    detail: str = ""
    messages: int = 0


def ignore_reason(event: Mapping[str, Any]) -> str | None:
    """Why a message event is not a human's thread reply to send, or None when it is."""
    subtype = event.get("subtype")
    if event.get("type") != "message":
        return "not a message event"
    if subtype not in SENT_SUBTYPES:
        return f"subtype {subtype} is never sent"
    if event.get("bot_id") or event.get("bot_profile"):
        return "posted by a bot"
    if event.get("hidden"):
        return "hidden message"
    for key in ("user", "channel", "ts"):
        if not isinstance(event.get(key), str) or not event.get(key):
            return f"no {key}"
    thread_ts = event.get("thread_ts")
    if not isinstance(thread_ts, str) or not thread_ts:
        return "not in a thread"
    if thread_ts == event["ts"]:
        return "a thread's root message"
    for key, limit in _ID_LENGTHS.items():
        if len(event[key]) > limit:
            return f"{key} is longer than a Slack id"
    return None


def attachment_type(mimetype: str | None) -> str:
    """The platform attachment type for a Slack file's MIME type."""
    major = (mimetype or "").split("/", 1)[0]
    return major if major in ("image", "video", "audio") else "file"


def _files(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    items = event.get("files") if event.get("subtype") == "file_share" else None
    if not isinstance(items, list):
        return []
    return [f for f in items if isinstance(f, dict) and isinstance(f.get("id"), str) and f["id"]]


async def handle_thread_reply(
    body: Mapping[str, Any], client: AsyncWebClient, settings: Settings, scope: TeamScope | None
) -> Outcome:
    """Queue a thread reply for the customer, refuse it in words, or leave it alone."""
    event = body.get("event") or {}
    reason = ignore_reason(event)
    if reason is not None:
        return Outcome("ignored", reason)
    if scope is None:
        return Outcome("ignored", "no Slack team")
    conversation = await scope.thread(event["channel"], event["thread_ts"])
    if conversation is None:
        return Outcome("ignored", "not a cahts thread")
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 64:
        event_id = f"{event['channel']}:{event['ts']}"[:64]
    if await SlackEvent.exists(event_id=event_id):
        return Outcome("duplicate", event_id)
    raw_text = event.get("text")
    text = strip_notes(raw_text if isinstance(raw_text, str) else "")
    files = _files(event)
    if not text and not files:
        await _remember(event_id)
        return Outcome("note", "internal note")
    names = {u: n for u in mentioned_users(text) if (n := await known_name(client, u))}
    agent = await display_name(client, event["user"])
    attachments = [
        ReplyAttachment(
            attachment_type(f.get("mimetype")),
            file_link(settings, f["id"], workspace_id=conversation.workspace_id),
            f.get("name"),
        )
        for f in files
    ]
    return await _queue(
        conversation,
        event,
        event_id,
        text=to_customer_text(text, names) if text else None,
        attachments=attachments,
        agent=agent,
    )


async def _remember(event_id: str) -> None:
    await SlackEvent.bulk_create([SlackEvent(event_id=event_id)], ignore_conflicts=True)


async def _queue(
    conversation: Conversation,
    event: Mapping[str, Any],
    event_id: str,
    *,
    text: str | None,
    attachments: list[ReplyAttachment],
    agent: str,
) -> Outcome:
    messages: list[Message] = []
    refused: str | None = None
    try:
        async with in_transaction():
            await SlackEvent.create(event_id=event_id)
            try:
                messages = await queue_reply(
                    conversation,
                    text=text,
                    attachments=attachments,
                    agent=agent,
                    source="slack",
                    agent_slack_user=event["user"],
                    slack_ts=event["ts"],
                )
            except SendRefused as exc:
                refused = str(exc)
    except IntegrityError:
        if await SlackEvent.exists(event_id=event_id):
            return Outcome("duplicate", event_id)
        raise
    if refused is not None:
        log.info("reply in %s refused: %s", conversation.id, refused)
        try:
            await slack_post_notice.kiq(
                event["channel"],
                event["thread_ts"],
                refusal_text(refused),
                event["ts"],
                await refusal_blocks(conversation, refused),
            )
        except Exception:
            # Nobody would learn why: forget the event so that Slack's retry tries again.
            await SlackEvent.filter(event_id=event_id).delete()
            raise
        return Outcome("refused", refused)
    await enqueue_sends(messages)
    return Outcome("queued", messages=len(messages))
