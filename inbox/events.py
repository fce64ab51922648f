"""Domain events: typed while inside the process, a JSON-able dict (`wire()`) only at the edge.

Each class names its wire `type`, says whether browsers see it over the WebSocket
(`browser`), and is built in one place (its `of` classmethod) from the rows it reports on.
`wire()` gives the exact dict the bus, Redis pub/sub and the WebSocket carry: the `type`,
then the fields in their declared order, ids and times as strings, tuples as lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, get_args

from inbox.event_sources import ChangeFacts, SyncFacts
from inbox.serialize import (
    ConversationFields,
    MessageFields,
    account_dict,
    conversation_dict,
    message_dict,
)

if TYPE_CHECKING:
    from inbox.models import Conversation, Message, PlatformAccount


Wire = dict[str, Any]


class Event:
    """Base of every domain event: its wire name, who sees it, and its dict form."""

    __slots__ = ()

    type: ClassVar[str]
    browser: ClassVar[bool]

    def wire(self) -> Wire:
        """The event as the bus, Redis and the WebSocket carry it."""
        data: Wire = {"type": self.type}
        for name in _names(type(self)):
            data[name] = _plain(getattr(self, name))
        return data


_NAMES: dict[type[Event], tuple[str, ...]] = {}


def _names(cls: type[Event]) -> tuple[str, ...]:
    """A dataclass event's field names in declared order (looked up once per class)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # every Event subclass is a dataclass; the base is not
    return names


def _plain(value: Any) -> Any:
    """A field's wire form: ids and times as strings, tuples as lists, the rest as it is."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class NewMessage(Event):
    """A message was stored (ingest, sync) or queued to send (API); carries both as JSON."""

    type: ClassVar[str] = "new_message"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    conversation_id: uuid.UUID
    message: Wire
    conversation: Wire

    @classmethod
    def of(
        cls, message: MessageFields, conversation: ConversationFields, platform: str | None
    ) -> NewMessage:
        """The event of one new message row in its (updated) conversation."""
        return cls(
            conversation.workspace_id,
            conversation.id,
            message_dict(message, platform),
            conversation_dict(conversation, platform),
        )

    def wire(self) -> Wire:
        """The `new_message` dict, written out: one per stored message, the hot path."""
        return {
            "type": "new_message",
            "workspace_id": str(self.workspace_id),
            "conversation_id": str(self.conversation_id),
            "message": self.message,
            "conversation": self.conversation,
        }


@dataclass(frozen=True, slots=True)
class MessageStatus(Event):
    """Outgoing messages moved to a delivery status (sent, delivered, read, failed)."""

    type: ClassVar[str] = "message_status"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    status: str
    error_code: int | None
    error_message: str | None
    message_ids: tuple[uuid.UUID, ...]
    platform_message_ids: tuple[str, ...]
    message: Wire | None = None  # a send's own outcome carries the message as JSON

    @classmethod
    def of(
        cls,
        workspace_id: uuid.UUID,
        status: str,
        rows: Iterable[tuple[uuid.UUID, str]],
        error_code: int | None = None,
        error_message: str | None = None,
        message: Message | None = None,
    ) -> MessageStatus:
        """The event of (id, platform message id) rows set to `status`; `message` for a send."""
        pairs = list(rows)
        return cls(
            workspace_id,
            str(status),
            error_code,
            error_message,
            tuple(p[0] for p in pairs),
            tuple(p[1] for p in pairs),
            message_dict(message) if message is not None else None,
        )

    def wire(self) -> Wire:
        """The `message_status` dict (with `message` only when a send reported it)."""
        data = Event.wire(self)
        if self.message is None:
            del data["message"]
        return data


@dataclass(frozen=True, slots=True)
class MessageReaction(Event):
    """The customer reacted to a message (or took the reaction back: `emoji` None)."""

    type: ClassVar[str] = "message_reaction"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    emoji: str | None

    @classmethod
    def of(cls, account: PlatformAccount, target: Message, emoji: str | None) -> MessageReaction:
        """The event of a reaction on the account's message `target`."""
        return cls(
            account.workspace_id,
            target.id,
            target.conversation_id,
            emoji,
        )


@dataclass(frozen=True, slots=True)
class MessageDeleted(Event):
    """The customer unsent a message; its row stays, its content is gone."""

    type: ClassVar[str] = "message_deleted"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    message_id: uuid.UUID
    conversation_id: uuid.UUID

    @classmethod
    def of(cls, account: PlatformAccount, target: Message) -> MessageDeleted:
        """The event of the account's message `target` unsent."""
        return cls(
            account.workspace_id,
            target.id,
            target.conversation_id,
        )


@dataclass(frozen=True, slots=True)
class MessageEdited(Event):
    """The customer edited a message; carries the message as it reads now."""

    type: ClassVar[str] = "message_edited"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    message: Wire

    @classmethod
    def of(cls, account: PlatformAccount, target: Message) -> MessageEdited:
        """The event of the account's message `target`, edited (the row as it is now)."""
        return cls(
            account.workspace_id,
            target.id,
            target.conversation_id,
            message_dict(target, account.platform),
        )


@dataclass(frozen=True, slots=True)
class MessageRead(Event):
    """Someone marked a message read; carries the conversation's new unread count."""

    type: ClassVar[str] = "message_read"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    unread_count: int
    message: Wire

    @classmethod
    def of(
        cls, workspace_id: uuid.UUID, message: Message, conversation: Conversation
    ) -> MessageRead:
        """The event of `message` marked read in `conversation` (as it is now)."""
        return cls(
            workspace_id,
            message.id,
            conversation.id,
            conversation.unread_count,
            message_dict(message),
        )


@dataclass(frozen=True, slots=True)
class ConversationUpdated(Event):
    """A conversation was resolved, reopened or assigned."""

    type: ClassVar[str] = "conversation_updated"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    conversation_id: uuid.UUID
    status: str
    assignee_id: uuid.UUID | None
    assignee_slack_user: str | None
    changed: tuple[str, ...]
    actor: str | None

    @classmethod
    def of(cls, change: ChangeFacts) -> ConversationUpdated:
        """The event of one committed change."""
        c = change.conversation
        return cls(
            c.workspace_id,
            c.id,
            c.status,
            c.assignee_id,
            c.assignee_slack_user,
            change.changed,
            change.actor,
        )


@dataclass(frozen=True, slots=True)
class _AccountEvent(Event):
    """A platform account's news, with the account as JSON."""

    workspace_id: uuid.UUID
    account: Wire

    @classmethod
    def of(cls, account: PlatformAccount) -> Self:
        """The event of this account (read fresh by the caller)."""
        return cls(account.workspace_id, account_dict(account))


@dataclass(frozen=True, slots=True)
class PlatformConnected(_AccountEvent):
    """A platform account was connected (or connected again)."""

    type: ClassVar[str] = "platform_connected"
    browser: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class PlatformDisconnected(_AccountEvent):
    """A platform account was disconnected."""

    type: ClassVar[str] = "platform_disconnected"
    browser: ClassVar[bool] = False


AccountChange = Literal["platform_connected", "platform_disconnected"]


def account_event(kind: AccountChange, account: PlatformAccount) -> _AccountEvent:
    """`PlatformConnected` or `PlatformDisconnected` of an account, by wire name."""
    if kind == PlatformConnected.type:
        return PlatformConnected.of(account)
    return PlatformDisconnected.of(account)


@dataclass(frozen=True, slots=True)
class _SyncEvent(Event):
    """Where one sync or backfill of one account stands (a snapshot of its result)."""

    account_id: uuid.UUID
    workspace_id: uuid.UUID
    platform: str
    kind: str
    status: str
    conversations: int
    stored: int
    duplicates: int
    pages: int
    since: datetime | None
    error: str | None

    @classmethod
    def of(cls, result: SyncFacts) -> Self:
        """A snapshot of the sync's result as it is now (SyncFacts names these fields)."""
        return cls(**{name: getattr(result, name) for name in _names(cls)})


@dataclass(frozen=True, slots=True)
class SyncStarted(_SyncEvent):
    """A sync or backfill of one account began."""

    type: ClassVar[str] = "sync_started"
    browser: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class SyncCompleted(_SyncEvent):
    """A sync or backfill of one account ended (ok, not_supported or failed)."""

    type: ClassVar[str] = "sync_completed"
    browser: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class AccountAttention(Event):
    """An account needs attention (`reason`), or is fine again (`reason` None)."""

    type: ClassVar[str] = "account_attention"
    browser: ClassVar[bool] = True

    workspace_id: uuid.UUID
    account_id: uuid.UUID
    platform: str
    name: str | None
    needs_attention: bool
    reason: str | None

    @classmethod
    def of(cls, account: PlatformAccount, reason: str | None) -> AccountAttention:
        """The event of the account's new verdict."""
        return cls(
            account.workspace_id,
            account.id,
            account.platform,
            account.name,
            reason is not None,
            reason,
        )


@dataclass(frozen=True, slots=True)
class SessionEnded(Event):
    """A sign-in session ended (logout, or a reused refresh token): its sockets must close."""

    type: ClassVar[str] = "session_ended"
    browser: ClassVar[bool] = False

    workspace_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    reason: str


IngestEvent = NewMessage | MessageStatus | MessageReaction | MessageDeleted | MessageEdited
DomainEvent = (
    NewMessage
    | MessageStatus
    | MessageReaction
    | MessageDeleted
    | MessageEdited
    | MessageRead
    | ConversationUpdated
    | PlatformConnected
    | PlatformDisconnected
    | SyncStarted
    | SyncCompleted
    | AccountAttention
    | SessionEnded
)
EVENT_TYPES: tuple[type[Event], ...] = get_args(DomainEvent)
BROWSER_TYPES = frozenset(cls.type for cls in EVENT_TYPES if cls.browser)
