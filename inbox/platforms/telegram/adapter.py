"""Telegram through the Bot API: a bot connected by its @BotFather token, private chats.

Telegram shares nothing with Meta: each bot's webhook carries its own secret
(`X-Telegram-Bot-Api-Secret-Token`) and is routed per account, there is no reply window,
bots get no delivered/read receipts, and files are fetched with `getFile`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from inbox.platforms.base import (
    AdapterDefaults,
    ConnectField,
    ConnectMethod,
    ConnectRefused,
    MediaSource,
    MediaUnavailable,
    Target,
    WebhookHook,
    WebhookRoute,
)
from inbox.platforms.events import Event, PayloadError
from inbox.platforms.graphapi import GraphApi, GraphError
from inbox.platforms.outbound import OutboundMessage, SendErrorKind
from inbox.platforms.telegram import botapi
from inbox.platforms.telegram.reactions import telegram_emoji
from inbox.platforms.telegram.updates import message_key, parse_update

# Bots may download files up to 20 MB (getFile) and upload up to 50 MB, photos up to 10 MB.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A paper plane in Telegram's blue, drawn for cahts (the dashboard's platform picture).
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" role="img" '
    'aria-label="Telegram"><circle cx="12" cy="12" r="12" fill="#229ed9"/>'
    '<path fill="#fff" d="M5.4 11.7 17 7.2c.6-.2 1 .1.9.8l-2 9.3c-.1.6-.6.8-1.1.5l-3-2.2'
    '-1.5 1.4c-.2.2-.3.3-.6.3l.2-3.1 5.6-5.1c.2-.2 0-.3-.4-.1l-6.9 4.4-3-.9c-.6-.2-.6-.6.2-.9z"/>'
    "</svg>"
)
ALLOWED_UPDATES = ("message", "edited_message", "message_reaction")
_SENDERS = {"image": ("sendPhoto", "photo")}
_PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class TelegramAdapter(AdapterDefaults):
    """The Telegram Bot API as a cahts platform."""

    name: str = "telegram"
    webhook_object: str = "telegram"
    label: str = "Telegram"
    icon: str = ":airplane:"
    color: str = "#229ed9"
    logo_svg: str | None = LOGO
    max_text_chars: int = 4096
    max_text_bytes: int | None = None
    extended_window: timedelta | None = None
    signature_header: str = "X-Telegram-Bot-Api-Secret-Token"
    webhook_route: WebhookRoute = "account"
    window: timedelta | None = None
    receipts: bool = False
    has_templates: bool = False  # no window, so nothing to reach past it
    card_note: str | None = (
        "Telegram has no reply window. Bots are never told that a message was delivered or "
        "read: replies show sent or failed only."
    )
    connect_method: ConnectMethod = "form"
    connect_fields: tuple[ConnectField, ...] = (
        ConnectField("token", "Bot token", "from @BotFather, e.g. 123456789:AAF…", secret=True),
    )
    oauth_scopes: tuple[str, ...] = ()
    no_targets_message: str = "a Telegram bot is connected with its token"
    has_history: bool = False

    def verify_handshake(self, query: Mapping[str, str], verify_token: str) -> str | None:
        """Telegram has no subscription handshake."""
        return None

    def verify_signature(self, body: bytes, header: str | None, secret: str) -> bool:
        """The header must be the account's secret_token (compared in constant time)."""
        if not header or not secret:
            return False
        return hmac.compare_digest(header.encode(), secret.encode())

    def parse(self, payload: Any, account_id: str | None = None) -> list[Event]:
        """One update of the routed bot as events."""
        if not account_id:
            raise PayloadError("a Telegram update is parsed for the bot it was routed to")
        return parse_update(account_id, payload)

    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """The Bot API method and parameters that send this message."""
        chat = message.recipient_id
        if message.attachment_url:
            method, field = _SENDERS.get(
                message.attachment_type or "", ("sendDocument", "document")
            )
            body: dict[str, Any] = {"chat_id": chat, field: message.attachment_url}
            if message.text:
                body["caption"] = message.text[:1024]
            return method, body
        return "sendMessage", {"chat_id": chat, "text": message.text or ""}

    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """`<chat id>:<message id>` of the Message the Bot API answered with."""
        chat = response.get("chat") if isinstance(response.get("chat"), dict) else None
        if chat is None or "message_id" not in response:
            return None
        return message_key(chat.get("id"), response["message_id"])

    async def send(
        self, graph: GraphApi, token: str, account_id: str, message: OutboundMessage
    ) -> str | None:
        """sendMessage; a file shared in Slack uploaded with sendPhoto/sendDocument.

        Telegram fetches links only for photos up to 5 MB and PDF, ZIP or GIF documents, so a
        file an agent shared in Slack is uploaded; a link from the API is passed on as it is.
        """
        opened = (
            graph.open_file(message.attachment_url, MAX_UPLOAD_BYTES)
            if message.attachment_url
            else None
        )
        if opened is None:
            method, body = self.send_request(account_id, message)
            result = await botapi.call(graph, token, method, body)
            return self.sent_message_id(result) if isinstance(result, dict) else None
        try:
            async with opened as file:
                photo = (
                    message.attachment_type == "image"
                    and file.mime_type in _PHOTO_TYPES
                    and file.size <= MAX_PHOTO_BYTES
                )
                method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
                form = {"chat_id": message.recipient_id}
                if message.text:
                    form["caption"] = message.text[:1024]
                result = await botapi.upload(graph, token, method, form, {field: file})
        except GraphError as exc:
            if exc.status == 413 and exc.source == "cahts":
                raise GraphError(
                    413, "the file is over the 50 MB Telegram lets a bot send", source="cahts"
                ) from exc
            raise
        return self.sent_message_id(result) if isinstance(result, dict) else None

    def classify_error(self, status: int, code: int | None) -> SendErrorKind:
        """Bot API error codes are HTTP statuses."""
        return botapi.classify(status, code)

    def accepts_reaction(self, emoji: str) -> bool:
        """Only the emoji Telegram lists as reactions can be set."""
        return telegram_emoji(emoji) is not None

    async def react(
        self,
        graph: GraphApi,
        token: str,
        account_id: str,
        recipient_id: str,
        message_id: str,
        emoji: str | None,
    ) -> None:
        """setMessageReaction on the customer's message (an empty list removes ours)."""
        bare = telegram_emoji(emoji) if emoji is not None else None
        chat, _, number = message_id.partition(":")
        if (emoji is not None and bare is None) or not number.isdigit():
            return
        reaction = [{"type": "emoji", "emoji": bare}] if bare else []
        await botapi.call(
            graph,
            token,
            "setMessageReaction",
            {"chat_id": chat, "message_id": int(number), "reaction": reaction},
        )

    async def media_source(
        self, graph: GraphApi, attachment: Mapping[str, Any], token: str
    ) -> MediaSource:
        """getFile, then the file URL; refused in words past the bots' 20 MB limit."""
        size = attachment.get("size")
        if isinstance(size, int) and size > MAX_DOWNLOAD_BYTES:
            raise MediaUnavailable(_too_big(size))
        file_id = attachment.get("media_id")
        if not file_id:
            raise MediaUnavailable("Telegram gave no file id for it")
        try:
            info = await botapi.call(graph, token, "getFile", {"file_id": str(file_id)})
        except GraphError as exc:
            if "too big" in exc.message.lower():
                raise MediaUnavailable(_too_big(size)) from exc
            raise
        path = info.get("file_path") if isinstance(info, dict) else None
        if not isinstance(path, str) or not path:
            raise MediaUnavailable("Telegram gave no download path for it")
        return MediaSource(botapi.file_url(graph, token, path), None, attachment.get("mime_type"))

    async def check_credentials(self, graph: GraphApi, fields: Mapping[str, str]) -> Target:
        """getMe: the bot's id is the account's id, its @username the name."""
        token = (fields.get("token") or "").strip()
        if not botapi.TOKEN.fullmatch(token):
            raise ConnectRefused(
                "token: this is not a bot token; @BotFather gives one like 123456789:AAF…",
                "token",
            )
        try:
            bot = await botapi.call(graph, token, "getMe")
        except GraphError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise ConnectRefused(
                    f"Telegram did not answer; try again ({exc.message})", unavailable=True
                ) from exc
            raise ConnectRefused(f"token: Telegram refused it ({exc.message})", "token") from exc
        if not isinstance(bot, dict) or not isinstance(bot.get("id"), int):
            raise ConnectRefused("Telegram's getMe answered without a bot", unavailable=True)
        name = fields.get("name") or (f"@{bot['username']}" if bot.get("username") else None)
        return Target(
            self.name, str(bot["id"]), str(name or bot.get("first_name") or bot["id"]), token
        )

    async def subscribe(
        self,
        graph: GraphApi,
        token: str,
        external_id: str,
        parent_external_id: str | None,
        hook: WebhookHook | None = None,
    ) -> bool:
        """setWebhook with the account's URL, its secret and the updates cahts handles."""
        if hook is None:
            return False
        await botapi.call(
            graph,
            token,
            "setWebhook",
            {
                "url": hook.url,
                "secret_token": hook.secret,
                "allowed_updates": list(ALLOWED_UPDATES),
            },
        )
        return True

    async def unsubscribe(
        self, graph: GraphApi, token: str, external_id: str, parent_external_id: str | None
    ) -> None:
        """deleteWebhook."""
        await botapi.call(graph, token, "deleteWebhook")

    def subscription_sharers(
        self, external_id: str, parent_external_id: str | None
    ) -> list[dict[str, str]] | None:
        """A bot's webhook is its own."""
        return []

    def subscription_node(
        self, external_id: str, parent_external_id: str | None, token: str
    ) -> str | None:
        """Not a Graph subscription: nothing for the Graph check."""
        return None

    async def token_alive(self, graph: GraphApi, token: str) -> bool | None:
        """getMe answers as long as @BotFather has not revoked the token."""
        try:
            await botapi.call(graph, token, "getMe")
        except GraphError as exc:
            if exc.kind is SendErrorKind.TOKEN_INVALID:
                return False
            raise
        return True


def _too_big(size: object) -> str:
    big = isinstance(size, int) and size > MAX_DOWNLOAD_BYTES
    said = f" ({int(size) // (1024 * 1024)} MB)" if big and isinstance(size, int) else ""
    return f"too large for a bot to download{said}: Telegram lets bots fetch files up to 20 MB"


ADAPTER = TelegramAdapter()
