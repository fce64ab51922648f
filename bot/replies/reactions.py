"""An agent's emoji on a customer's message in Slack → a reaction on the platform.

The Slack event only records what the business's reaction should be
(`Message.agent_reaction`, in the same transaction as the event id, before Slack gets its
answer); the conversation's mirror run sends the difference to the platform
(`agent_reaction_sent`), one run at a time, so a lost kick or a Graph outage only delays it.
Platforms (or emoji) without reactions are ignored without a word.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.install.scope import TeamScope
from bot.mirror.queries import differ
from bot.slack.errors import ChannelGone, SlackRefused, call
from bot.thread.mapping import Run
from bot.thread.text import emoji_for, escape
from inbox.graph import GraphError
from inbox.models import Message, PlatformAccount, SlackEvent
from inbox.platforms.base import PlatformAdapter
from inbox.platforms.registry import get_adapter
from inbox.services.accounts.crypto import TokenDecryptError

log = logging.getLogger(__name__)

REACTION_EVENTS = ("reaction_added", "reaction_removed")


@dataclass(frozen=True, slots=True)
class Noted:
    """What became of one reaction event."""

    action: str  # recorded | ignored | duplicate
    detail: str = ""
    conversation_id: Any = None


def _fields(event: Mapping[str, Any]) -> tuple[str, str, str, str] | str:
    """(user, reaction, channel, ts) of a reaction on a message, or why it is not one."""
    if event.get("type") not in REACTION_EVENTS:
        return "not a reaction event"
    item = event.get("item")
    if not isinstance(item, dict) or item.get("type") != "message":
        return "not on a message"
    user, reaction = event.get("user"), event.get("reaction")
    channel, ts = item.get("channel"), item.get("ts")
    if not (_short(user) and _short(reaction) and _short(channel) and _short(ts)):
        return "incomplete reaction event"
    return user, reaction, channel, ts


def _short(value: object) -> TypeGuard[str]:
    """A non-empty string of at most 100 characters, as Slack's ids and names are."""
    return isinstance(value, str) and 0 < len(value) <= 100


async def note_agent_reaction(
    body: Mapping[str, Any], scope: TeamScope | None, bot_user_id: str | None
) -> Noted:
    """Record the business's reaction on a customer's message (the caller kicks the mirror)."""
    event = body.get("event") or {}
    found = _fields(event)
    if isinstance(found, str):
        return Noted("ignored", found)
    user, name, channel, ts = found
    if scope is None or user == bot_user_id:
        return Noted("ignored", "our own reaction" if scope else "no Slack team")
    emoji = emoji_for(name)
    if emoji is None:
        return Noted("ignored", f"custom emoji :{name}: has no unicode form")
    message = (
        await scope.messages()
        .filter(slack_ts=ts, is_incoming=True, conversation__slack_channel=channel)
        .first()
    )
    if message is None:
        return Noted("ignored", "not a customer message of a cahts thread")
    account = await PlatformAccount.get(id=message.platform_account_id)
    adapter = get_adapter(account.platform)
    added = event["type"] == "reaction_added"
    if adapter is None or (added and not adapter.accepts_reaction(emoji)):
        return Noted("ignored", f"{account.platform} cannot show {emoji}")
    event_id = str(body.get("event_id") or f"{channel}:{ts}:{user}:{name}:{event['type']}")[:64]
    try:
        async with in_transaction():
            await SlackEvent.create(event_id=event_id)
            query = Message.filter(id=message.id)
            if added:
                await query.update(agent_reaction=emoji)
            else:
                await query.filter(agent_reaction=emoji).update(agent_reaction=None)
    except IntegrityError:
        return Noted("duplicate", event_id)
    return Noted("recorded", emoji, message.conversation_id)


def unsent_reactions() -> Q:
    """Customer messages whose platform reaction is behind the agents' (for the sweep)."""
    return differ("agent_reaction", "agent_reaction_sent") & Q(is_incoming=True)


async def send_agent_reactions(run: Run) -> None:
    """Tell the platform each reaction the agents changed; retryable failures wait."""
    rows = await Message.filter(unsent_reactions(), conversation_id=run.conversation.id).order_by(
        "received_at"
    )
    adapter = get_adapter(run.platform)
    for message in rows:
        wanted = message.agent_reaction
        if adapter is not None and not await _send(run, message, adapter, wanted):
            continue
        await Message.filter(Q(id=message.id) & _same(wanted)).update(agent_reaction_sent=wanted)


def _same(wanted: str | None) -> Q:
    return Q(agent_reaction__isnull=True) if wanted is None else Q(agent_reaction=wanted)


async def _send(run: Run, message: Message, adapter: PlatformAdapter, wanted: str | None) -> bool:
    """One platform call; False when it should be tried again later."""
    if wanted is not None and not adapter.accepts_reaction(wanted):
        return True
    await run.renew()
    try:
        token = run.cipher.decrypt(run.account.access_token)
        await adapter.react(
            run.graph,
            token,
            run.account.external_id,
            run.conversation.participant_id,
            message.platform_message_id,
            wanted,
        )
    except TokenDecryptError:
        await _tell(run, message, "the account's token cannot be read; reconnect it")
    except GraphError as exc:
        if exc.retryable:
            log.info("message %s: reaction not sent yet (%s)", message.id, exc.message)
            return False
        await _tell(run, message, exc.explain())
    return True


async def _tell(run: Run, message: Message, why: str) -> None:
    """Say in the thread that a reaction did not reach the customer."""
    if run.conversation.slack_thread_ts is None:
        log.warning("message %s: reaction not sent (%s)", message.id, why)
        return
    what = message.agent_reaction or "removal of the reaction"
    text = f"_Reaction {escape(what)} not sent to {escape(run.customer)}: {escape(why)}_"
    try:
        await call(
            run.slack.chat_postMessage(channel=run.channel, thread_ts=run.thread_ts, text=text)
        )
    except (ChannelGone, SlackRefused) as exc:
        log.warning("message %s: reaction failure not told (%s)", message.id, exc)
