"""The one shape every platform adapter has; registry.py lists the adapters.

An adapter owns everything about its platform: the webhook handshake and signature,
parsing, sending and what a send error means, history, media, profiles, subscribing,
token care and how the platform is shown. It does I/O only through the Graph client it is
handed (`GraphApi`), and never touches the database: callers pass values in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from inbox.platforms.events import Event
from inbox.platforms.graphapi import GraphApi
from inbox.platforms.history import ConversationsPage
from inbox.platforms.outbound import OutboundMessage, SendErrorKind

ConnectMethod = Literal["oauth", "form"]


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
    max_text_chars: int
    max_text_bytes: int | None
    extended_window: timedelta | None
    signature_header: str
    connect_method: ConnectMethod
    oauth_scopes: tuple[str, ...]
    no_targets_message: str
    has_history: bool
    has_templates: bool

    def verify_handshake(self, query: Mapping[str, str], verify_token: str) -> str | None:
        """The text to answer a subscription handshake with; None refuses it."""
        ...

    def verify_signature(self, body: bytes, header: str | None, app_secret: str) -> bool:
        """True when the signature header vouches for these exact bytes."""
        ...

    def parse(self, payload: Any) -> list[Event]:
        """Turn a verified webhook body into normalized events; PayloadError on a wrong shape."""
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

    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """The Graph path and body that put `emoji` on a message (None: remove ours).

        None when the platform cannot show that reaction: the caller then does nothing.
        """
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

    def connect_targets(self, pages: Sequence[GrantedPage]) -> list[Target]:
        """The accounts a Facebook Login grant connects on this platform."""
        ...

    async def subscribe(
        self, graph: GraphApi, token: str, external_id: str, parent_external_id: str | None
    ) -> bool:
        """Subscribe the app to the account's webhooks; False: nothing to subscribe."""
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

    def refreshes_token(self, token: str) -> bool:
        """True when this token is refreshed by trading it (rather than checked)."""
        ...

    async def refresh_token(self, graph: GraphApi, token: str) -> RefreshedToken:
        """Trade the token for a fresh one; GraphError on failure."""
        ...
