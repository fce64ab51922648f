"""What every Meta platform shares, and what Messenger and Instagram share on top of it.

`MetaAdapter`: the `hub.*` handshake, `X-Hub-Signature-256`, sending through the Graph API,
Meta's error codes, media by link or media id, the `subscribed_apps` edge.
`MessagingAdapter`: the Messenger-platform shape (entry[].messaging[], the Send API, the
Conversations API, profile lookup, Facebook Login) that Messenger and Instagram both have.
"""

from __future__ import annotations

import hmac
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timedelta
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
from inbox.platforms.common import (
    messaging_reaction_request,
    messaging_send_request,
    messaging_sent_id,
    parse_messaging_body,
)
from inbox.platforms.events import Event
from inbox.platforms.graphapi import GraphApi, GraphError
from inbox.platforms.history import CONVERSATION_FIELDS, ConversationsPage, parse_conversations_page
from inbox.platforms.outbound import (
    HUMAN_AGENT_WINDOW,
    STANDARD_WINDOW,
    OutboundMessage,
    SendErrorKind,
    classify,
)
from inbox.platforms.signature import SIGNATURE_HEADER, verify

log = logging.getLogger(__name__)

MEDIA_ID = re.compile(r"[0-9A-Za-z_-]{1,128}")  # a media id, never a URL or a path
# Page webhook fields the app subscribes a Page to (Messenger, and Instagram through its Page).
PAGE_FIELDS = (
    "messages,message_echoes,message_reactions,messaging_postbacks,message_deliveries,"
    "message_reads,message_edits,messaging_referrals"
)


class MetaAdapter(AdapterDefaults, ABC):
    """Defaults for a platform served by Meta's Graph API and webhooks."""

    name: str = ""
    webhook_object: str = ""
    label: str = ""
    icon: str = ":speech_balloon:"
    color: str = "#888888"
    logo_svg: str | None = None  # the dashboard has Meta's logos as static files
    max_text_chars: int = 2000
    max_text_bytes: int | None = None
    extended_window: timedelta | None = None
    signature_header: str = SIGNATURE_HEADER
    webhook_route: WebhookRoute = "platform"
    window: timedelta | None = STANDARD_WINDOW
    receipts: bool = True
    card_note: str | None = None
    connect_method: ConnectMethod = "oauth"
    connect_fields: tuple[ConnectField, ...] = ()
    oauth_scopes: tuple[str, ...] = ()
    no_targets_message: str = "nothing to connect was granted"
    has_history: bool = False
    has_templates: bool = False  # a template route past the reply window (WhatsApp)

    def verify_handshake(self, query: Mapping[str, str], verify_token: str) -> str | None:
        """`hub.mode=subscribe` with our verify token: answer `hub.challenge` unchanged."""
        token = query.get("hub.verify_token", "")
        if (
            query.get("hub.mode") == "subscribe"
            and verify_token
            and hmac.compare_digest(token.encode(), verify_token.encode())
            and "hub.challenge" in query
        ):
            return query["hub.challenge"]
        return None

    def verify_signature(self, body: bytes, header: str | None, secret: str) -> bool:
        """`sha256=` HMAC of the raw body with the app secret."""
        return verify(body, header, secret)

    @abstractmethod
    def parse(self, payload: Any, account_id: str | None = None) -> list[Event]:
        """Turn a verified webhook body into normalized events; PayloadError on a wrong shape."""

    @abstractmethod
    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """The Graph path and body that put `emoji` on a message (None: remove ours).

        None when the platform cannot show that reaction.
        """

    def accepts_reaction(self, emoji: str) -> bool:
        """True when the platform has a reaction request for this emoji."""
        return self.reaction_request("-", "-", "-", emoji) is not None

    async def react(
        self,
        graph: GraphApi,
        token: str,
        account_id: str,
        recipient_id: str,
        message_id: str,
        emoji: str | None,
    ) -> None:
        """POST the reaction request (nothing when the platform cannot show it)."""
        request = self.reaction_request(account_id, recipient_id, message_id, emoji)
        if request is not None:
            path, body = request
            await graph.post(path, token=token, json=body)

    async def check_credentials(self, graph: GraphApi, fields: Mapping[str, str]) -> Target:
        """Meta accounts are connected through Facebook Login, not a generic form."""
        raise ConnectRefused(f"{self.label or self.name} is connected with Facebook Login")

    @abstractmethod
    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """The Graph path and JSON body that send one message from this account."""

    @abstractmethod
    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """The platform's id for the message just sent, from the send response."""

    async def send(
        self, graph: GraphApi, token: str, account_id: str, message: OutboundMessage
    ) -> str | None:
        """POST the send request; the platform's message id (None if not given)."""
        path, body = self.send_request(account_id, message)
        response = await graph.post(path, token=token, json=body)
        return self.sent_message_id(response)

    def classify_error(self, status: int, code: int | None) -> SendErrorKind:
        """Meta's error codes (not subcodes), then the HTTP status."""
        return classify(status, code)

    async def media_source(
        self, graph: GraphApi, attachment: Mapping[str, Any], token: str
    ) -> MediaSource:
        """A media id is looked up (its URL wants the token); else the stored URL is used."""
        media_id = attachment.get("media_id")
        mime_type = attachment.get("mime_type")
        if media_id:
            if not MEDIA_ID.fullmatch(str(media_id)):
                raise MediaUnavailable("the platform gave a media id that is not an id")
            info = await graph.get(str(media_id), token=token)
            url = info.get("url")
            if not isinstance(url, str) or not url:
                raise MediaUnavailable("the platform gave no download link")
            return MediaSource(url, token, info.get("mime_type") or mime_type)
        if attachment.get("url"):
            return MediaSource(str(attachment["url"]), None, mime_type)
        raise MediaUnavailable("the platform gave no link to it")

    async def subscribe(
        self,
        graph: GraphApi,
        token: str,
        external_id: str,
        parent_external_id: str | None,
        hook: WebhookHook | None = None,
    ) -> bool:
        """POST the subscribed_apps edge; False when there is nothing to subscribe."""
        node, params = self._subscription(external_id, parent_external_id)
        if node is None:
            return False
        await graph.post(f"{node}/subscribed_apps", token=token, params=params)
        return True

    def _subscription(
        self, external_id: str, parent_external_id: str | None
    ) -> tuple[str | None, dict[str, str] | None]:
        return parent_external_id or external_id, None

    async def unsubscribe(
        self, graph: GraphApi, token: str, external_id: str, parent_external_id: str | None
    ) -> None:
        """DELETE the subscribed_apps edge of the parent (Page, WABA), else the account."""
        node = parent_external_id or external_id
        await graph.call("DELETE", f"{node}/subscribed_apps", token=token)

    def subscription_sharers(
        self, external_id: str, parent_external_id: str | None
    ) -> list[dict[str, str]] | None:
        """Never removed unless the platform says who shares it."""
        return None

    def subscription_node(
        self, external_id: str, parent_external_id: str | None, token: str
    ) -> str | None:
        """The parent node holds the subscription by default."""
        return parent_external_id


class MessagingAdapter(MetaAdapter):
    """Messenger-platform shaped: entry[].messaging[], the Send API, the Conversations API."""

    extended_window: timedelta | None = HUMAN_AGENT_WINDOW
    has_history: bool = True
    profile_fields: str = ""

    def parse(self, payload: Any, account_id: str | None = None) -> list[Event]:
        """Turn a webhook body into normalized events; PayloadError on a wrong top level."""
        return parse_messaging_body(self.name, self.webhook_object, payload)

    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """Send API request from this account."""
        return messaging_send_request(account_id, message)

    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """The mid of the message just sent."""
        return messaging_sent_id(response)

    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """Send API sender action `react` with the emoji, or `unreact`."""
        return messaging_reaction_request(account_id, recipient_id, message_id, emoji)

    def graph_base(self, graph_url: str, token: str) -> str:
        """The Graph host that serves this token."""
        return graph_url

    def conversations_node(
        self, token: str, external_id: str, parent_external_id: str | None
    ) -> str:
        """Whose conversations the Conversations API lists."""
        return external_id

    def history_request(
        self, graph_url: str, token: str, external_id: str, parent_external_id: str | None
    ) -> tuple[str, dict[str, str]] | None:
        """`GET /{node}/conversations?platform=<name>` with the message fields we store."""
        node = self.conversations_node(token, external_id, parent_external_id)
        url = f"{self.graph_base(graph_url, token)}/{node}/conversations"
        return url, {"platform": self.name, "fields": CONVERSATION_FIELDS}

    def parse_history(
        self, account_id: str, body: Any, since: datetime | None
    ) -> ConversationsPage:
        """One Conversations API page as events."""
        return parse_conversations_page(self.name, account_id, body, since)

    def profile_name(self, data: dict[str, Any]) -> str:
        """The customer's name from a profile answer ("" when none)."""
        return ""

    async def lookup_name(self, graph: GraphApi, participant_id: str, token: str) -> str | None:
        """The User Profile API's name for this customer, or None when refused."""
        try:
            data = await graph.get(
                participant_id, token=token, params={"fields": self.profile_fields}
            )
        except GraphError as exc:
            log.info("no %s profile for %s: %s", self.name, participant_id, exc.message)
            return None
        return self.profile_name(data)[:200] or None

    def _subscription(
        self, external_id: str, parent_external_id: str | None
    ) -> tuple[str | None, dict[str, str] | None]:
        return parent_external_id or external_id, {"subscribed_fields": PAGE_FIELDS}
