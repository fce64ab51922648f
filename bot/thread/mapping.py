"""Conversation ↔ Slack thread: where a thread goes, its root card, finding lost posts."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.mirror.lease import Lease
from bot.slack.errors import ChannelGone, MirrorStop, SlackMisconfigured, SlackRefused, call
from bot.templates.card import window_blocks
from bot.thread.blocks import conversation_card, window_text
from bot.thread.panel import assignee_words, panel_blocks
from bot.thread.render import customer_name, metadata
from inbox.graph import GraphClient
from inbox.models import Conversation, Message, PlatformAccount, User
from inbox.platforms.registry import get_adapter
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings

log = logging.getLogger(__name__)

CONVERSATION_EVENT = "cahts_conversation"
MESSAGE_EVENT = "cahts_message"
_RECOVERY_PAGES = 10


async def assignee_name(conversation: Conversation) -> str | None:
    """The name (or email) of the dashboard user the conversation is assigned to."""
    user_id = conversation.assignee_id
    if user_id is None:
        return None
    user = await User.get_or_none(id=user_id)
    return (user.name or user.email) if user is not None else None


def dashboard_url(settings: Settings, conversation_id: uuid.UUID) -> str:
    """The conversation in the web dashboard."""
    return f"{settings.public_url}/conversations/{conversation_id}"


@dataclass(slots=True)
class Run:
    """One mirror round for one conversation: the clients, the lease and the rows."""

    slack: AsyncWebClient
    settings: Settings
    graph: GraphClient
    cipher: TokenCipher
    lease: Lease
    conversation: Conversation
    account: PlatformAccount
    # The workspace's default channel (its install's, else SLACK_CHANNEL) and who has it.
    default_channel: str | None = None
    assignee_name: str | None = None

    @property
    def platform(self) -> str:
        """The account's platform name."""
        return self.account.platform

    @property
    def customer(self) -> str:
        """The customer's name as the thread shows it."""
        c = self.conversation
        return customer_name(c.participant_name, self.platform, c.participant_id)

    def target_channel(self) -> str | None:
        """The channel new threads of this account go to: its own, else the default."""
        return self.account.slack_channel or self.default_channel

    @property
    def channel(self) -> str:
        """The thread's channel (the thread must exist)."""
        assert self.conversation.slack_channel is not None
        return self.conversation.slack_channel

    @property
    def thread_ts(self) -> str:
        """The thread's root ts (the thread must exist)."""
        assert self.conversation.slack_thread_ts is not None
        return self.conversation.slack_thread_ts

    async def renew(self) -> None:
        """Renew the lease before a post; stop when another run has it now."""
        if not await self.lease.renew():
            raise MirrorStop("lease lost to another run")

    def card(self, now: datetime | None = None) -> tuple[str, list[dict[str, Any]]]:
        """The root card's text and blocks as of now."""
        adapter = get_adapter(self.platform)
        now = now or datetime.now(UTC)
        if adapter is not None and adapter.window is None:
            window = adapter.card_note or "This platform has no reply window."
        else:
            window = window_text(
                self.conversation.last_incoming_at,
                now,
                adapter.extended_window if adapter is not None else None,
            )
        c = self.conversation
        panel = panel_blocks(
            conversation_id=str(c.id),
            status=c.status,
            assignee=assignee_words(c.assignee_slack_user, self.assignee_name),
            assigned=bool(c.assignee_slack_user or self.assignee_name),
            relinked_at=c.slack_relinked_at,
        )
        panel = [*window_blocks(c, self.platform, now), *panel]
        return conversation_card(
            customer=self.customer,
            platform=self.platform,
            account_name=self.account.name or self.account.external_id,
            window=window,
            dashboard_url=dashboard_url(self.settings, c.id),
            panel=panel,
        )

    async def take_state(self) -> bool:
        """Clear `slack_card_stale`, then read the state the card shows; False if not stale.

        Read after clearing: a change made from now on sets the flag again, so none is lost.
        """
        c = self.conversation
        if not await Conversation.filter(id=c.id, slack_card_stale=True).update(
            slack_card_stale=False
        ):
            return False
        fresh = await Conversation.get(id=c.id)
        c.status, c.assignee_slack_user = fresh.status, fresh.assignee_slack_user
        c.assignee_id = fresh.assignee_id
        c.last_incoming_at, c.template_sent_at = fresh.last_incoming_at, fresh.template_sent_at
        c.slack_card_stale = False
        self.assignee_name = await assignee_name(c)
        return True

    async def open_thread(self) -> None:
        """Post the root card in the account's current channel and store the mapping."""
        channel = self.target_channel()
        if not channel:
            raise SlackMisconfigured(
                f"no Slack channel for {self.platform} account {self.account.external_id}: "
                "set the account's channel, SLACK_CHANNEL, or pick one when installing"
            )
        await self.renew()
        if self.conversation.slack_card_stale:
            await self.take_state()
        text, blocks = self.card()
        response = await call(
            self.slack.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                metadata=metadata(CONVERSATION_EVENT, conversation_id=str(self.conversation.id)),
                unfurl_links=False,
                unfurl_media=False,
            )
        )
        await self._map(str(response["channel"]), str(response["ts"]))

    async def _map(self, channel: str, ts: str) -> None:
        await Conversation.filter(id=self.conversation.id).update(
            slack_channel=channel, slack_thread_ts=ts
        )
        self.conversation.slack_channel = channel
        self.conversation.slack_thread_ts = ts

    async def refresh_card(self) -> None:
        """Update the root card (reply window) after new customer messages; best effort."""
        text, blocks = self.card()
        try:
            await call(
                self.slack.chat_update(
                    channel=self.channel, ts=self.thread_ts, text=text, blocks=blocks
                )
            )
        except Exception as exc:  # a stale card is cosmetic; never block the thread for it
            log.info("conversation %s: card not refreshed (%s)", self.conversation.id, exc)

    async def recover(self, unposted: list[Message]) -> None:
        """After a crashed run: adopt posts Slack has (found by metadata) but we did not save."""
        if not unposted:
            return
        since = min(m.created_at for m in unposted) - timedelta(minutes=5)
        oldest = f"{since.timestamp():.6f}"
        relinked = self.conversation.slack_relinked_at
        if relinked is not None:
            # Never adopt a root from before a relink: that thread is the one being replaced.
            oldest = max(oldest, f"{relinked.timestamp():.6f}", key=float)
        if self.conversation.slack_thread_ts is None:
            channel = self.target_channel()
            if channel:
                await self._adopt_root(channel, oldest)
        if self.conversation.slack_thread_ts is None:
            return
        try:
            found = await self._scan(
                "conversations_replies",
                MESSAGE_EVENT,
                "message_id",
                channel=self.channel,
                ts=self.thread_ts,
                oldest=oldest,
            )
        except (ChannelGone, SlackRefused) as exc:  # nothing to adopt from a thread we cannot read
            log.warning("conversation %s: thread not readable (%s)", self.conversation.id, exc)
            return
        for message in unposted:
            ts = found.get(str(message.id))
            if ts is not None and message.slack_ts is None:
                await Message.filter(id=message.id).update(slack_ts=ts)
                message.slack_ts = ts

    async def _adopt_root(self, channel: str, oldest: str) -> None:
        try:
            found = await self._scan(
                "conversations_history",
                CONVERSATION_EVENT,
                "conversation_id",
                channel=channel,
                oldest=oldest,
            )
        except (ChannelGone, SlackRefused):  # e.g. a channel given by name: history wants ids
            log.warning("cannot read %s to look for a lost thread root; use channel ids", channel)
            return
        ts = found.get(str(self.conversation.id))
        if ts is not None:
            await self._map(channel, ts)

    async def _scan(self, method: str, event_type: str, key: str, **args: Any) -> dict[str, str]:
        """Map payload[key] → ts for our posts of one metadata type, paging a bounded number."""
        found: dict[str, str] = {}
        cursor: str | None = None
        for _ in range(_RECOVERY_PAGES):
            page = await call(
                getattr(self.slack, method)(
                    include_all_metadata=True, limit=200, cursor=cursor, **args
                )
            )
            for item in page.get("messages") or []:
                meta = item.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == event_type and key in payload:
                    found[str(payload[key])] = str(item.get("ts"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found
