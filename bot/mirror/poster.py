"""Posting a round's messages into a conversation's thread: text, files, summaries, in order."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.mirror import media
from bot.mirror.profiles import lookup_name
from bot.mirror.view import as_copied, files_fetchable, message_view, reply_quote
from bot.slack.errors import (
    ChannelGone,
    SlackMisconfigured,
    SlackRefused,
    call,
)
from bot.slack.upload import upload_file
from bot.thread.mapping import MESSAGE_EVENT, Run, dashboard_url
from bot.thread.render import Copied, MessageView, author, message_text, metadata
from bot.thread.text import escape
from inbox.models import Conversation, Message, Outbox
from inbox.netguard import GuardedHttp
from inbox.services import stories
from inbox.services.accounts.crypto import TokenDecryptError
from inbox.settings import tunable

log = logging.getLogger(__name__)

IN_FLIGHT = ("pending", "sending")
_named: set[uuid.UUID] = set()  # conversations whose profile was already looked up here


def max_age() -> timedelta:
    """Messages older than this are summarised, not copied (SLACK_MIRROR_MAX_AGE_DAYS, 7)."""
    return timedelta(days=tunable("SLACK_MIRROR_MAX_AGE_DAYS"))


class ThreadGone(Exception):
    """The thread can no longer be posted to: relink, then go round again."""


class Poster:
    """Posts one round's unposted messages."""

    def __init__(self, run: Run, http: GuardedHttp) -> None:
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
            raise ThreadGone from exc

    async def _post_once(self, message: Message) -> None:
        view, files = await self._prepare(message)
        try:
            await self._post_with_files(message, view, files)
        finally:
            for download in files:
                download.close()

    async def _post_with_files(
        self, message: Message, view: MessageView, files: list[media.Download]
    ) -> None:
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
                async with media.transfer_slot():
                    await call(
                        upload_file(
                            run.slack,
                            channel=run.channel,
                            thread_ts=run.thread_ts,
                            file=download.file,
                            size=download.size,
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
        if message.kind in stories.STORY_MESSAGES and message.slack_ts is None:
            await stories.mark_if_expired(message, self.http, (run.graph.base_url,))
        reply_to_text = await reply_quote(run, message)
        copied: list[Copied] = []
        files: list[media.Download] = []
        if not message.is_deleted:
            fetchable = files_fetchable(message)
            try:
                for index, item in enumerate(message.attachments or [], start=1):
                    outcome, download = await self._copy(item, index, fetchable)
                    if outcome is not None:
                        copied.append(outcome)
                    if download is not None:
                        files.append(download)
            except BaseException:
                for download in files:
                    download.close()
                raise
        return message_view(run, message, copied, reply_to_text), files

    async def _copy(
        self, item: dict[str, object], index: int, fetchable: bool
    ) -> tuple[Copied | None, media.Download | None]:
        copied = as_copied(item, fetchable)
        if copied is None or not copied.uploaded:
            return copied, None
        try:
            download = await media.platform_file(
                item, index, self.run.platform, self.token(), graph=self.run.graph, http=self.http
            )
        except media.DownloadError as exc:
            return replace(copied, uploaded=False, problem=str(exc)), None
        except TokenDecryptError:
            problem = "the account's token cannot be read"
            return Copied(copied.kind, False, problem=problem, words=copied.words), None
        return copied, download
