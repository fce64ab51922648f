"""Normalized events that every platform adapter produces from a verified webhook body."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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
    # Messenger / Instagram
    LOCATION = "location"
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
    """A media item carried by a message; url is None where it must not be kept."""

    type: str
    url: str | None = None
    caption: str | None = None
    mime_type: str | None = None
    media_id: str | None = None
    # A structured part's fields (a place, where the customer came from, a story's id).
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
    """A part of the body that was not understood; logged and skipped, never an error."""

    platform: str
    reason: str
    account_id: str | None = None
    raw: dict[str, object] = field(default_factory=dict, compare=False)


Event = InboundMessage | Echo | StatusUpdate | Reaction | MessageDeleted | MessageEdited | Ignored
