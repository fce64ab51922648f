"""The Slack mirror: a conversation's unposted messages go into its thread, in order, once.

`Message.slack_posted = False` rows are the outbox. One run per conversation at a time (a
lease); each post is saved (slack_ts) before the next, so a crash repeats at most the post
in flight, and the next run finds that one by its metadata before posting again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from tortoise.expressions import Q

from bot.install.workspaces import target_for
from bot.mirror import marks, media, runs
from bot.mirror.lease import Lease, Taken, acquire
from bot.mirror.profiles import lookup_name
from bot.mirror.queries import shown_differs
from bot.mirror.relink import apply_relink, point_old_thread, request_relink
from bot.replies.reactions import send_agent_reactions, unsent_reactions
from bot.slack.client import slack_client
from bot.slack.errors import (
    ChannelGone,
    MirrorStop,
    SlackMisconfigured,
    SlackRefused,
    SlackUnsure,
    call,
)
from bot.thread.card import show_state
from bot.thread.mapping import MESSAGE_EVENT, Run, assignee_name, dashboard_url
from bot.thread.render import Copied, MessageView, attachment_words, author, message_text, metadata
from bot.thread.text import escape
from inbox.graph import GraphClient
from inbox.models import Conversation, Message, Outbox, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import Settings, tunable

log = logging.getLogger(__name__)

IN_FLIGHT = ("pending", "sending")
_named: set[uuid.UUID] = set()  # conversations whose profile was already looked up here


def max_age() -> timedelta:
    """Messages older than this are summarised, not copied (SLACK_MIRROR_MAX_AGE_DAYS, 7)."""
    return timedelta(days=tunable("SLACK_MIRROR_MAX_AGE_DAYS"))


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


class _ThreadGone(Exception):
    """The thread can no longer be posted to: relink, then go round again."""


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
    finally:
        runs.forget(conversation_id, mine)


async def _abandon(lease: Lease) -> None:
    """Leave the lease for a recovering run; if even that fails, it simply expires."""
    try:
        await lease.abandon()
    except Exception as exc:
        log.warning("conversation %s: lease left to expire (%s)", lease.conversation_id, exc)


async def _round(
    clients: Clients, lease: Lease, http: aiohttp.ClientSession, local: runs.LocalRun
) -> None:
    for _ in range(2):
        try:
            await _round_once(clients, lease, http, local)
            return
        except _ThreadGone:
            await request_relink(lease.conversation_id)
            local.changes = True
    raise SlackMisconfigured("the relinked thread cannot be posted to either")


async def _round_once(
    clients: Clients, lease: Lease, http: aiohttp.ClientSession, local: runs.LocalRun
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
    poster = _Poster(run, http)
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


class _Poster:
    """Posts one round's unposted messages."""

    def __init__(self, run: Run, http: aiohttp.ClientSession) -> None:
        self.run = run
        self.http = http
        self._token: str | None = None
        self.card_behind = False  # customer messages went into an existing thread

    def token(self) -> str:
        """The account's platform token (decrypted once)."""
        if self._token is None:
            self._token = self.run.cipher.decrypt(self.run.account.access_token)
        return self._token

    async def post_all(self, unposted: list[Message]) -> None:
        """Open the thread if needed, summarise old messages, post the rest in order."""
        if not unposted:
            return
        await self._name_customer()
        cutoff = datetime.now(UTC) - max_age()
        old = [m for m in unposted if m.received_at < cutoff and m.slack_ts is None]
        fresh = [m for m in unposted if not (m.received_at < cutoff and m.slack_ts is None)]
        had_thread = self.run.conversation.slack_thread_ts is not None
        if not had_thread and not fresh:
            # Only history (Slack was just turned on, a backfill): no thread for that alone.
            await Message.filter(id__in=[m.id for m in old]).update(slack_posted=True)
            return
        if not had_thread:
            await self.open()
        if old:
            await self._summarise(old)
        posted_incoming = False
        for message in fresh:
            if await self._held_back(message):
                break
            await self.run.renew()
            await self._post(message)
            posted_incoming = posted_incoming or message.is_incoming
        self.card_behind = had_thread and posted_incoming

    async def open(self) -> None:
        """Open the conversation's thread in the account's current channel."""
        try:
            await self.run.open_thread()
        except ChannelGone as exc:
            raise SlackMisconfigured(f"cannot post to the account's channel: {exc}") from exc
        except SlackRefused as exc:
            raise SlackMisconfigured(f"Slack refused the thread card: {exc.error}") from exc

    async def _name_customer(self) -> None:
        conversation = self.run.conversation
        if conversation.participant_name or conversation.id in _named:
            return
        if len(_named) > 10_000:
            _named.clear()
        _named.add(conversation.id)
        try:
            token = self.token()
        except TokenDecryptError:
            return
        name = await lookup_name(
            self.run.graph, self.run.platform, conversation.participant_id, token
        )
        if name:
            await Conversation.filter(id=conversation.id, participant_name="").update(
                participant_name=name
            )
            conversation.participant_name = name

    async def _held_back(self, message: Message) -> bool:
        """An echo waits while a send of ours is in flight: it may be that send's echo."""
        if message.is_incoming or await Outbox.exists(message_id=message.id):
            return False
        return await Outbox.filter(
            message__conversation_id=self.run.conversation.id,
            status__in=IN_FLIGHT,
            created_at__lte=message.created_at,
        ).exists()

    async def _summarise(self, old: list[Message]) -> None:
        await self.run.renew()
        url = dashboard_url(self.run.settings, self.run.conversation.id)
        text = (
            f"_{len(old)} earlier message(s), older than {max_age().days} days, are not copied "
            f"here; <{url}|see them in the dashboard>._"
        )
        try:
            await call(
                self.run.slack.chat_postMessage(
                    channel=self.run.channel, thread_ts=self.run.thread_ts, text=text
                )
            )
        except (ChannelGone, SlackRefused) as exc:  # a summary is not worth stopping for
            log.warning("conversation %s: summary not posted (%s)", self.run.conversation.id, exc)
        await Message.filter(id__in=[m.id for m in old]).update(slack_posted=True)

    async def _post(self, message: Message) -> None:
        try:
            await self._post_once(message)
        except ChannelGone as exc:
            run = self.run
            current = run.target_channel()
            if str(exc) != "thread_not_found" and run.conversation.slack_channel == current:
                raise SlackMisconfigured(f"cannot post to {current}: {exc}") from exc
            log.warning("conversation %s: thread gone (%s); relinking", run.conversation.id, exc)
            raise _ThreadGone from exc

    async def _post_once(self, message: Message) -> None:
        view, files = await self._prepare(message)
        run = self.run
        changes: dict[str, object] = {"slack_posted": True}
        if message.slack_ts is None:
            ts = await self._post_text(message, view)
            if ts is None:
                files = []
            elif files:  # saved before the uploads, so a crash among them never reposts the text
                await Message.filter(id=message.id).update(slack_ts=ts)
            else:
                changes["slack_ts"] = ts
            message.slack_ts = ts
        for download in files:
            await run.renew()
            try:
                await call(
                    run.slack.files_upload_v2(
                        channel=run.channel,
                        thread_ts=run.thread_ts,
                        file=download.data,
                        filename=download.filename,
                        title=download.filename,
                    )
                )
            except SlackRefused as exc:
                log.warning("message %s: Slack refused its file (%s)", message.id, exc.error)
        if message.is_deleted:
            changes["slack_status"] = "deleted"
        await Message.filter(id=message.id).update(**changes)
        message.slack_posted = True

    async def _post_text(self, message: Message, view: MessageView) -> str | None:
        run = self.run
        args = {
            "channel": run.channel,
            "thread_ts": run.thread_ts,
            "metadata": metadata(MESSAGE_EVENT, message_id=str(message.id)),
            "unfurl_links": False,
            "unfurl_media": False,
            **author(view).args(),
        }
        try:
            response = await call(run.slack.chat_postMessage(text=message_text(view), **args))
        except SlackRefused as exc:
            url = dashboard_url(run.settings, run.conversation.id)
            fallback = (
                f"_This message could not be shown in Slack ({escape(exc.error)}); "
                f"<{url}|read it in the dashboard>._"
            )
            try:
                response = await call(run.slack.chat_postMessage(text=fallback, **args))
            except SlackRefused as again:
                log.error("message %s cannot be posted to Slack: %s", message.id, again.error)
                return None
        return str(response["ts"])

    async def _prepare(self, message: Message) -> tuple[MessageView, list[media.Download]]:
        run = self.run
        reply_to_text: str | None = None
        if message.reply_to:
            target = await Message.get_or_none(
                platform_account_id=run.account.id, platform_message_id=message.reply_to
            )
            reply_to_text = _describe(target) if target is not None else ""
        copied: list[Copied] = []
        files: list[media.Download] = []
        if not message.is_deleted:
            for index, item in enumerate(message.attachments or [], start=1):
                outcome, download = await self._copy(item, index)
                if outcome is not None:
                    copied.append(outcome)
                if download is not None:
                    files.append(download)
        view = MessageView(
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
        )
        return view, files

    async def _copy(
        self, item: dict[str, object], index: int
    ) -> tuple[Copied | None, media.Download | None]:
        kind = str(item.get("type") or "file")
        caption = _text(item.get("caption"))
        if kind in ("story", "story_mention"):
            return None, None  # the message kind says it; the story's media is not kept
        link = _text(item.get("url"))
        if kind not in media.UPLOADABLE:
            return Copied(kind, False, caption=caption, link=link), None
        try:
            download = await media.platform_file(
                item, index, self.run.platform, self.token(), graph=self.run.graph, http=self.http
            )
        except media.DownloadError as exc:
            return Copied(kind, False, problem=str(exc), caption=caption), None
        except TokenDecryptError:
            return Copied(kind, False, problem="the account's token cannot be read"), None
        return Copied(kind, True, caption=caption), download


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _describe(message: Message) -> str:
    """A message's words, or what it carried, for quoting."""
    if message.content:
        return message.content
    items = message.attachments or []
    return attachment_words(str(items[0].get("type"))) if items else ""
