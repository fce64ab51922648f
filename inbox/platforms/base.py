"""The one shape every platform adapter has; registry.py lists the adapters.

An adapter owns everything about its platform: the webhook handshake and signature,
parsing, sending and what a send error means, history, media, profiles, subscribing,
token care and how the platform is shown. It does I/O only through the API client it is
handed (`GraphApi`: the Graph API, or another platform API by name), and never touches the
database: callers pass values in.

Platforms differ in how a webhook is trusted (`webhook_route`):
- "platform": one route whose bodies are signed with the app secret, as Meta does;
- "account": a route per account (`/api/webhooks/<platform>/<account id>`) carrying that
  account's own secret, as Telegram does.
They differ too in the reply window (`window`, None: none), in delivery receipts
(`receipts`) and in how an account is connected (`connect_method`: Facebook Login, or a form
of `connect_fields` checked by `check_credentials`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from inbox.platforms.events import Event
from inbox.platforms.graphapi import GraphApi, GraphError
from inbox.platforms.history import ConversationsPage
from inbox.platforms.outbound import OutboundMessage, SendErrorKind

ConnectMethod = Literal["oauth", "form"]
WebhookRoute = Literal["platform", "account"]


@dataclass(frozen=True, slots=True)
class ConnectField:
    """One field of a platform's connect form (Slack modal, dashboard, API body, CLI)."""

    name: str
    label: str
    hint: str
    secret: bool = False
    optional: bool = False
    max_length: int = 4096


class ConnectRefused(Exception):
    """The platform refused the credentials (or did not answer); the message says so.

    `field` names the form field at fault; `unavailable` means the platform did not answer.
    """

    def __init__(self, message: str, field: str | None = None, *, unavailable: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.unavailable = unavailable


@dataclass(frozen=True, slots=True)
class WebhookHook:
    """Where a platform that is told its webhook per account must send it, and its secret."""

    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class Target:
    """An account to connect, as the platform described it."""

    platform: str
    external_id: str
    name: str
    token: str
    parent_external_id: str | None = None
    token_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GrantedPage:
    """A Facebook Page granted through Facebook Login, with its linked Instagram account."""

    id: str
    name: str
    token: str
    instagram_id: str | None = None
    instagram_name: str | None = None


@dataclass(frozen=True, slots=True)
class MediaSource:
    """Where a stored attachment's bytes are downloaded from, and with which token."""

    url: str
    token: str | None = None
    mime_type: str | None = None


class MediaUnavailable(Exception):
    """The platform gives no way to download this attachment; the message says why."""


@dataclass(frozen=True, slots=True)
class RefreshedToken:
    """A token traded for a fresh one, and its lifetime in seconds when the platform says."""

    token: str
    expires_in: int | None = None


@runtime_checkable
class PlatformAdapter(Protocol):
    """A platform: what it is called, how it is shown, and everything it does."""

    name: str
    webhook_object: str
    label: str
    icon: str
    color: str
    logo_svg: str | None
    max_text_chars: int
    max_text_bytes: int | None
    extended_window: timedelta | None
    signature_header: str
    webhook_route: WebhookRoute
    window: timedelta | None
    receipts: bool
    card_note: str | None
    connect_method: ConnectMethod
    connect_fields: tuple[ConnectField, ...]
    oauth_scopes: tuple[str, ...]
    no_targets_message: str
    has_history: bool
    has_templates: bool

    def verify_handshake(self, query: Mapping[str, str], verify_token: str) -> str | None:
        """The text to answer a subscription handshake with; None refuses it."""
        ...

    def verify_signature(self, body: bytes, header: str | None, secret: str) -> bool:
        """True when the header vouches for these exact bytes (app or account secret)."""
        ...

    def parse(self, payload: Any, account_id: str | None = None) -> list[Event]:
        """Turn a verified webhook body into normalized events; PayloadError on a wrong shape.

        `account_id` is the routed account's external id where the route names the account.
        """
        ...

    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """The Graph path and JSON body that send one message from this account."""
        ...

    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """The platform's id for the message just sent, from the send response."""
        ...

    async def send(
        self, graph: GraphApi, token: str, account_id: str, message: OutboundMessage
    ) -> str | None:
        """Send one message; its platform id (None if not given); GraphError on failure."""
        ...

    def classify_error(self, status: int, code: int | None) -> SendErrorKind:
        """What a failed call (HTTP status, platform error code) means for agent and retry."""
        ...

    def accepts_reaction(self, emoji: str) -> bool:
        """False when the platform cannot show this reaction: the caller then does nothing."""
        ...

    async def react(
        self,
        graph: GraphApi,
        token: str,
        account_id: str,
        recipient_id: str,
        message_id: str,
        emoji: str | None,
    ) -> None:
        """Put `emoji` on a customer's message (None: remove ours); GraphError on failure."""
        ...

    def history_request(
        self, graph_url: str, token: str, external_id: str, parent_external_id: str | None
    ) -> tuple[str, dict[str, str]] | None:
        """URL and query of the first history page; None when there is no history API."""
        ...

    def parse_history(
        self, account_id: str, body: Any, since: datetime | None
    ) -> ConversationsPage:
        """Events of one history page created at or after `since`."""
        ...

    async def media_source(
        self, graph: GraphApi, attachment: Mapping[str, Any], token: str
    ) -> MediaSource:
        """Where to download a stored attachment; MediaUnavailable or GraphError otherwise."""
        ...

    async def lookup_name(self, graph: GraphApi, participant_id: str, token: str) -> str | None:
        """The name the platform shows for this customer, or None (unsupported, refused)."""
        ...

    async def check_credentials(self, graph: GraphApi, fields: Mapping[str, str]) -> Target:
        """The account a connect form describes, checked with the platform; ConnectRefused."""
        ...

    def connect_targets(self, pages: Sequence[GrantedPage]) -> list[Target]:
        """The accounts a Facebook Login grant connects on this platform."""
        ...

    async def subscribe(
        self,
        graph: GraphApi,
        token: str,
        external_id: str,
        parent_external_id: str | None,
        hook: WebhookHook | None = None,
    ) -> bool:
        """Subscribe the app to the account's webhooks; False: nothing to subscribe.

        `hook` is given to platforms whose `webhook_route` is "account".
        """
        ...

    async def unsubscribe(
        self, graph: GraphApi, token: str, external_id: str, parent_external_id: str | None
    ) -> None:
        """Remove the app's webhook subscription of the account; GraphError on failure."""
        ...

    def subscription_sharers(
        self, external_id: str, parent_external_id: str | None
    ) -> list[dict[str, str]] | None:
        """Account filters (field → value); any active match shares this subscription.

        None: the subscription cannot be told apart, so it is never removed.
        """
        ...

    def subscription_node(
        self, external_id: str, parent_external_id: str | None, token: str
    ) -> str | None:
        """Where the token care checks the webhook subscription; None to skip the check."""
        ...

    async def token_alive(self, graph: GraphApi, token: str) -> bool | None:
        """Whether the platform still accepts the token, when it can say by itself.

        None: it cannot; the token care asks Meta's `debug_token` instead.
        """
        ...

    def refreshes_token(self, token: str) -> bool:
        """True when this token is refreshed by trading it (rather than checked)."""
        ...

    async def refresh_token(self, graph: GraphApi, token: str) -> RefreshedToken:
        """Trade the token for a fresh one; GraphError on failure."""
        ...


class AdapterDefaults:
    """What a platform that lacks a capability answers: the shared defaults adapters inherit.

    No history API, no profile lookup, nothing connected through Facebook Login, and tokens
    that are neither traded nor checked by the token care.
    """

    label: str = ""
    name: str = ""

    def history_request(
        self, graph_url: str, token: str, external_id: str, parent_external_id: str | None
    ) -> tuple[str, dict[str, str]] | None:
        """No history API."""
        return None

    def parse_history(
        self, account_id: str, body: Any, since: datetime | None
    ) -> ConversationsPage:
        """No history API: an empty page."""
        return ConversationsPage()

    async def lookup_name(self, graph: GraphApi, participant_id: str, token: str) -> str | None:
        """No profile API."""
        return None

    def connect_targets(self, pages: Sequence[GrantedPage]) -> list[Target]:
        """Nothing is connected through Facebook Login."""
        return []

    async def token_alive(self, graph: GraphApi, token: str) -> bool | None:
        """Not checked here (Meta's tokens are checked with debug_token by the token care)."""
        return None

    def refreshes_token(self, token: str) -> bool:
        """Tokens are not traded for fresh ones."""
        return False

    async def refresh_token(self, graph: GraphApi, token: str) -> RefreshedToken:
        """Not supported."""
        raise GraphError(0, f"{self.label or self.name} tokens cannot be refreshed")
