"""The Slack mirror: a conversation's unposted messages go into its thread, in order, once.

`Message.slack_posted = False` rows are the outbox. One run per conversation at a time (a
lease); each post is saved (slack_ts) before the next, so a crash repeats at most the post
in flight, and the next run finds that one by its metadata before posting again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient
from tortoise.expressions import Q

from bot.install.workspaces import target_for
from bot.mirror import marks, media, runs
from bot.mirror.lease import Lease, Taken, acquire
from bot.mirror.poster import Poster, ThreadGone, max_age
from bot.mirror.queries import shown_differs
from bot.mirror.relink import apply_relink, point_old_thread, request_relink
from bot.replies.reactions import send_agent_reactions, unsent_reactions
from bot.slack.client import slack_client
from bot.slack.errors import (
    MirrorStop,
    SlackMisconfigured,
    SlackUnsure,
)
from bot.thread.card import show_state
from bot.thread.mapping import Run, assignee_name
from inbox.graph import GraphClient
from inbox.models import Conversation, Message, PlatformAccount
from inbox.netguard import GuardedHttp
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Clients:
    """What a mirror run talks to (the Slack client with SLACK_BOT_TOKEN, if any)."""

    slack: AsyncWebClient | None
    settings: Settings
    graph: GraphClient
    cipher: TokenCipher

    def for_token(self, token: str) -> AsyncWebClient:
        """A Slack client with this bot token (the shared one when it is SLACK_BOT_TOKEN)."""
        if self.slack is not None and self.slack.token == token:
            return self.slack
        session = self.slack.session if self.slack is not None else None
        return slack_client(self.settings, token, session=session)


async def mirror_conversation(
    conversation_id: uuid.UUID, clients: Clients, *, changes: bool = True
) -> str:
    """Bring one conversation's thread up to date: 'done', 'busy', 'stopped' or 'unsure'.

    `changes=False` when the caller knows only new customer messages wait.
    """
    if runs.ask_again(conversation_id, changes):
        return "busy"
    lease = await acquire(conversation_id)
    if lease is None:
        return "busy"
    mine = runs.LocalRun(changes=changes or lease.taken is Taken.STALE)
    first = True
    try:
        async with media.session() as http:
            while True:
                # Work committed before this point is seen by the round; a kick after it
                # (its data committed later) sets `asked` and gets a round of its own.
                runs.hold(conversation_id, mine)
                # acquire() already cleared the rerun request; a later round clears it here.
                if not first and not await lease.start_round():
                    raise MirrorStop("lease lost to another run")
                first = False
                await _round(clients, lease, http, mine)
                lease.taken = Taken.FREE
                if mine.asked or await runs.refresh_card(conversation_id, mine, wait=True):
                    continue
                # From here on a kick takes the lease path: it asks for a rerun in the row,
                # which makes this release fail, so nothing that arrives now is left behind.
                runs.forget(conversation_id, mine)
                if await lease.release():
                    return "done"
                mine.changes = True  # another process asked for a round, for all it knows
    except SlackUnsure as exc:
        log.warning("conversation %s: %s; will check Slack and retry", conversation_id, exc)
        await _abandon(lease)
        return "unsure"
    except SlackMisconfigured as exc:
        log.error("conversation %s not mirrored: %s", conversation_id, exc)
        await lease.release(force=True)
        return "stopped"
    except MirrorStop as exc:
        log.warning("conversation %s: stopped (%s)", conversation_id, exc)
        await lease.release(force=True)
        return "stopped"
    except Exception:
        log.exception("conversation %s: mirror run failed", conversation_id)
        await _abandon(lease)
        return "unsure"
    except asyncio.CancelledError:
        # A stopping worker gave this run back: the next one need not wait out the lease.
        await asyncio.shield(_abandon(lease))
        raise
    finally:
        runs.forget(conversation_id, mine)


async def _abandon(lease: Lease) -> None:
    """Leave the lease for a recovering run; if even that fails, it simply expires."""
    try:
        await lease.abandon()
    except Exception as exc:
        log.warning("conversation %s: lease left to expire (%s)", lease.conversation_id, exc)


async def _round(clients: Clients, lease: Lease, http: GuardedHttp, local: runs.LocalRun) -> None:
    for _ in range(2):
        try:
            await _round_once(clients, lease, http, local)
            return
        except ThreadGone:
            await request_relink(lease.conversation_id)
            local.changes = True
    raise SlackMisconfigured("the relinked thread cannot be posted to either")


async def _round_once(
    clients: Clients, lease: Lease, http: GuardedHttp, local: runs.LocalRun
) -> None:
    look, local.changes = local.changes, False  # a kick from now on is for the next round
    conversation = (
        await Conversation.filter(id=lease.conversation_id)
        .select_related("platform_account")
        .first()
    )
    if conversation is None:
        return
    workspace_id = conversation.workspace_id
    target = local.target or await target_for(clients.settings, workspace_id, clients.cipher)
    if target is None:
        raise SlackMisconfigured(f"no Slack bot serves workspace {workspace_id}: install cahts")
    local.target = target
    account: PlatformAccount = conversation.platform_account
    run = Run(
        clients.for_token(target.token),
        clients.settings,
        clients.graph,
        clients.cipher,
        lease,
        conversation,
        account,
        default_channel=target.default_channel,
        assignee_name=await assignee_name(conversation),
    )
    relinked, old = await apply_relink(conversation, datetime.now(UTC) - max_age())
    unposted = await Message.filter(conversation_id=conversation.id, slack_posted=False).order_by(
        "received_at", "created_at"
    )
    if lease.taken is Taken.STALE:
        await run.recover(unposted)
    poster = Poster(run, http)
    if relinked and not unposted:
        await poster.open()
    await poster.post_all(unposted)
    runs.card_behind(local, run, poster.card_behind)
    await runs.refresh_card(conversation.id, local, wait=False)
    if old is not None and conversation.slack_thread_ts is not None:
        await point_old_thread(run, old)
    # One query tells whether any mark, reaction or deletion waits (rarely): then look at each.
    changed = (
        look
        and await Message.filter(
            shown_differs() & Q(slack_posted=True) | unsent_reactions(),
            conversation_id=conversation.id,
        ).exists()
    )
    if changed:
        await marks.show_changes(run)
    await show_state(run)
    if changed:
        await send_agent_reactions(run)
