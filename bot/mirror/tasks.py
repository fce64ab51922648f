"""Slack work on the task queue: mirror a conversation, sweep for what was left, post notices.

The composition roots (web/server.py, web/worker.py) import it and, when Slack is on, hand
its hooks to the bus: after ingest (`after_store`), after a conversation change
(`after_change`) and after a send (the `SendOutcome` middleware). All only kick
`slack_mirror_conversation`; the minute sweep catches any kick that was lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from taskiq import Context, TaskiqDepends, TaskiqMessage, TaskiqMiddleware, TaskiqResult

from bot.install.workspaces import target_for
from bot.mirror.conversation import Clients, mirror_conversation
from bot.mirror.sweep import closing_windows, pending_conversations
from bot.slack.client import slack_client
from bot.slack.errors import SlackRefused, call
from inbox.events import ChangeFacts, IngestEvent, MessageStatus, NewMessage
from inbox.models import Conversation, Message, SlackEvent
from inbox.services.ingest.items import IngestResult
from inbox.tasks.broker import broker
from inbox.tasks.schedules import every

log = logging.getLogger(__name__)

SEND_TASK = "send_message"
SLACK_EVENT_RETENTION = timedelta(days=7)


def slack_on(state: Any) -> bool:
    """True when this process has a Slack client (SLACK_BOT_TOKEN set and started)."""
    return getattr(state, "slack", None) is not None


@broker.task(task_name="slack_mirror_conversation")
async def slack_mirror_conversation(
    conversation_id: str, context: Context = TaskiqDepends(), changes: bool = True
) -> str:
    """Post what a conversation's thread lacks, in order; safe to run any number of times.

    `changes=False`: the kick was only for new customer messages, so marks, reactions and
    deletions need no look.
    """
    state = context.state
    if not slack_on(state):
        return "off"
    try:
        target = uuid.UUID(conversation_id)
    except ValueError:
        return "bad id"
    clients = Clients(state.slack, state.settings, state.graph, state.cipher)
    return await mirror_conversation(target, clients, changes=changes is not False)


@broker.task(
    task_name="slack_sweep", schedule=every("SLACK_SWEEP_INTERVAL_SECONDS", cron="* * * * *")
)
async def slack_sweep(context: Context = TaskiqDepends()) -> int:
    """Re-kick conversations whose Slack work was left behind."""
    if not slack_on(context.state):
        return 0
    due = await pending_conversations(settings=context.state.settings)
    await kick(due)
    if due:
        log.info("slack sweep: %d conversation(s) to catch up", len(due))
    return len(due)


@broker.task(task_name="slack_post_notice")
async def slack_post_notice(
    channel: str,
    thread_ts: str,
    text: str,
    mark_ts: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    context: Context = TaskiqDepends(),
) -> str:
    """Say something in a thread (why a reply was not sent), and mark the reply with ❌."""
    state = context.state
    if not slack_on(state):
        return "off"
    conversation = await Conversation.get_or_none(slack_channel=channel, slack_thread_ts=thread_ts)
    target = (
        await target_for(state.settings, conversation.workspace_id)
        if conversation is not None
        else None
    )
    if target is None:
        return "off"
    slack = slack_client(state.settings, target.token)
    await call(
        slack.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
    )
    if mark_ts:
        try:
            await call(slack.reactions_add(channel=channel, timestamp=mark_ts, name="x"))
        except SlackRefused as exc:
            log.info("could not mark %s: %s", mark_ts, exc.error)
    return "posted"


@broker.task(task_name="slack_card_windows", schedule=[{"cron": "7 * * * *"}])
async def slack_card_windows(context: Context = TaskiqDepends()) -> int:
    """Refresh root cards whose reply window closed in the last hour."""
    if not slack_on(context.state):
        return 0
    due = await closing_windows()
    await kick(due)
    return len(due)


@broker.task(task_name="prune_slack_events", schedule=[{"cron": "29 3 * * *"}])
async def prune_slack_events() -> int:
    """Forget handled Slack event ids after a week (Slack retries for about an hour)."""
    cutoff = datetime.now(UTC) - SLACK_EVENT_RETENTION
    return await SlackEvent.filter(created_at__lt=cutoff).delete()


async def kick(conversation_ids: Iterable[uuid.UUID | str], *, changes: bool = True) -> None:
    """Enqueue a mirror run per conversation; a broker failure is left to the sweep."""
    for conversation_id in conversation_ids:
        try:
            if changes:
                await slack_mirror_conversation.kiq(str(conversation_id))
            else:
                await slack_mirror_conversation.kiq(str(conversation_id), changes=False)
        except Exception as exc:
            log.warning("could not enqueue Slack mirror of %s: %s", conversation_id, exc)


async def _conversations_of(message_ids: Iterable[uuid.UUID | str]) -> set[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for value in message_ids:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not ids:
        return set()
    found = await Message.filter(id__in=ids).distinct().values_list("conversation_id", flat=True)
    return {uuid.UUID(str(v)) for v in found}


async def after_store(result: IngestResult) -> None:
    """Ingest hook: conversations with new messages, statuses, reactions or deletions."""
    if not slack_on(broker.state):
        return
    targets: set[uuid.UUID] = set(result.conversations)
    plain: set[uuid.UUID] = set()  # only new customer messages: nothing else to show
    other: set[uuid.UUID] = set()
    status_messages: list[uuid.UUID] = []
    for event in result.events:
        if isinstance(event, MessageStatus):
            status_messages.extend(event.message_ids)
            continue
        conversation = event.conversation_id
        targets.add(conversation)
        (plain if _plain_new_message(event) else other).add(conversation)
    marks = targets - (plain - other) | await _conversations_of(status_messages)
    await kick(sorted(targets - marks), changes=False)
    await kick(sorted(marks))


def _plain_new_message(event: IngestEvent) -> bool:
    """A customer's new message that carries no reaction and was not unsent."""
    if not isinstance(event, NewMessage):
        return False
    message = event.message
    return (
        message.get("is_incoming") is True
        and not message.get("is_deleted")
        and not message.get("reaction")
    )


async def after_change(change: ChangeFacts) -> None:
    """Conversation-service hook: resolve/reopen/assign → the root card is updated."""
    if slack_on(broker.state):
        await kick([change.conversation.id])


class SendOutcome(TaskiqMiddleware):
    """After a send task ends (sent or failed), show its outcome in the thread."""

    async def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        """Kick the conversation of the outbox row the send task handled."""
        if message.task_name != SEND_TASK or not slack_on(self.broker.state):
            return
        outbox_id = message.args[0] if message.args else message.kwargs.get("outbox_id")
        try:
            found = await Message.filter(outbox__id=uuid.UUID(str(outbox_id))).values_list(
                "conversation_id", flat=True
            )
        except Exception as exc:  # the send is done; the sweep shows its outcome later
            log.warning("could not find the conversation of send %s: %s", outbox_id, exc)
            return
        await kick(str(value) for value in found)
