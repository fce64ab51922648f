"""Normalized events that every platform adapter produces from a verified webhook body."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# The timestamp of an item that carried none: ingest replaces it with the receipt time and
# says so in webhook_logs (a missing optional field never drops a customer's message).
UNDATED = datetime.min.replace(tzinfo=UTC)


class MessageKind(StrEnum):
    """What an inbound or echoed message is, beyond its text."""

    TEXT = "text"
    MEDIA = "media"
    POSTBACK = "postback"
    QUICK_REPLY = "quick_reply"
    STORY_MENTION = "story_mention"
    STORY_REPLY = "story_reply"
    TEMPLATE = "template"
    UNSUPPORTED = "unsupported"
    # Structured content, carried as one attachment of the same type (see inbox/display.py).
    LOCATION = "location"
    CONTACTS = "contacts"
    ORDER = "order"
    FORM_REPLY = "form_reply"  # a WhatsApp Flow's answers (interactive nfm_reply)
    SYSTEM = "system"  # the platform's own notice about the customer (changed number)
    # Messenger / Instagram
    SHARE = "share"
    REFERRAL = "referral"


class DeliveryStatus(StrEnum):
    """Delivery state of an outgoing message, ordered by DELIVERY_RANK."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    READ = "read"


# A late status never downgrades a newer one: only moves to a higher rank apply.
DELIVERY_RANK: dict[DeliveryStatus, int] = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}


class PayloadError(ValueError):
    """The webhook body is not of the platform's shape at the top level."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A media item or structured part carried by a message; url is None where it must not be
    kept. `details` holds a structured part's fields (location, contacts, order, referral,
    form answers, an unsupported item's raw JSON), shaped as inbox/display.py reads them."""

    type: str
    url: str | None = None
    caption: str | None = None
    mime_type: str | None = None
    media_id: str | None = None
    filename: str | None = None
    size: int | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message the customer sent to the business."""

    platform: str
    account_id: str
    message_id: str
    sender_id: str
    timestamp: datetime
    text: str | None = None
    kind: MessageKind = MessageKind.TEXT
    attachments: tuple[Attachment, ...] = ()
    sender_name: str | None = None
    reply_to: str | None = None
    payload: str | None = None


@dataclass(frozen=True, slots=True)
class Echo:
    """A message the business account sent (via cahts or elsewhere), echoed by the platform."""

    platform: str
    account_id: str
    message_id: str
    recipient_id: str
    timestamp: datetime
    text: str | None = None
    kind: MessageKind = MessageKind.TEXT
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """Delivery/read news for outgoing messages: by ids, or everything up to a watermark."""

    platform: str
    account_id: str
    customer_id: str
    status: DeliveryStatus
    timestamp: datetime
    message_ids: tuple[str, ...] = ()
    watermark: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    # What the platform bills for the message (WhatsApp `pricing`/`conversation`), a BILLING part.
    billing: Attachment | None = None


@dataclass(frozen=True, slots=True)
class Reaction:
    """A customer's reaction added to (emoji set) or removed from (emoji None) a message."""

    platform: str
    account_id: str
    message_id: str
    sender_id: str
    timestamp: datetime
    emoji: str | None = None


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    """The customer unsent one of their messages."""

    platform: str
    account_id: str
    message_id: str
    sender_id: str
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """The customer edited one of their messages: `text` is the new content."""

    platform: str
    account_id: str
    message_id: str
    sender_id: str
    timestamp: datetime
    text: str
    edit_count: int | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A part of the body that is not a customer message, or is too broken to store; logged and
    skipped, never an error. `code` is the metric's reason label (SKIP_CODES)."""

    platform: str
    reason: str
    account_id: str | None = None
    raw: dict[str, object] = field(default_factory=dict, compare=False)
    code: str = field(default="malformed", compare=False)


# Why an item was skipped, as counted in cahts_webhook_items_skipped_total.
NOT_A_MESSAGE = "not_a_message"  # documented as not a message (account updates, test sends)
MALFORMED = "malformed"  # lacks what any message needs (an id, a sender)
UNKNOWN_ITEM = "unknown_item"  # a messaging item of no known kind (optin, a new event type)
SKIP_CODES = (NOT_A_MESSAGE, MALFORMED, UNKNOWN_ITEM, "unknown_account", "oversized")


@dataclass(frozen=True, slots=True)
class Note:
    """Something webhook_logs should say about an item that was stored anyway (a guessed time)."""

    platform: str
    text: str
    account_id: str | None = None


Event = (
    InboundMessage
    | Echo
    | StatusUpdate
    | Reaction
    | MessageDeleted
    | MessageEdited
    | Ignored
    | Note
)
