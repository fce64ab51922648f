"""Pure helpers shared by the Meta parsers, and the Messenger/Instagram `messaging[]` parser."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from inbox.platforms import parts
from inbox.platforms.events import (
    MALFORMED,
    NOT_A_MESSAGE,
    UNDATED,
    UNKNOWN_ITEM,
    Attachment,
    DeliveryStatus,
    Echo,
    Event,
    Ignored,
    InboundMessage,
    MessageDeleted,
    MessageEdited,
    MessageKind,
    Note,
    PayloadError,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.outbound import OutboundMessage

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_DIGITS = 18


def dig(value: Any, *keys: str) -> Any:
    """Walk nested dicts by key; None as soon as a level is not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def str_at(value: Any, *keys: str) -> str | None:
    """The non-empty string at a nested dict path, else None."""
    found = dig(value, *keys)
    return found if isinstance(found, str) and found else None


def id_at(value: Any, *keys: str) -> str | None:
    """An id at a nested path: a non-empty string, or an integer (early payloads) as text."""
    found = dig(value, *keys)
    if isinstance(found, int) and not isinstance(found, bool) and found >= 0:
        return str(found)
    return found if isinstance(found, str) and found else None


def as_list(value: Any) -> list[Any]:
    """The value if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def describe(value: Any) -> str:
    """A short, safe rendering of an unexpected value for an Ignored reason."""
    if isinstance(value, str):
        return repr(value[:40])
    return "none" if value is None else type(value).__name__


def ms_to_datetime(value: Any) -> datetime | None:
    """Integer epoch milliseconds as an aware UTC datetime; None when not a sane int."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    try:
        return EPOCH + timedelta(milliseconds=value)
    except OverflowError:
        return None


def seconds_to_datetime(value: Any) -> datetime | None:
    """Epoch seconds (a digit string, as WhatsApp sends, or an int) as an aware UTC datetime."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    try:
        return EPOCH + timedelta(seconds=value)
    except OverflowError:
        return None


def ignored(
    platform: str, reason: str, account_id: str | None, raw: Any, code: str = MALFORMED
) -> Ignored:
    """An Ignored event keeping the offending part of the body (wrapped when not a dict)."""
    kept: dict[str, object] = raw if isinstance(raw, dict) else {"value": raw}
    return Ignored(platform=platform, reason=reason, account_id=account_id, raw=kept, code=code)


def entries(payload: Any, webhook_object: str) -> list[Any]:
    """The body's entry[] list; PayloadError when the top level is not this platform's."""
    if not isinstance(payload, dict):
        raise PayloadError("webhook body is not a JSON object")
    if "object" not in payload:
        raise PayloadError("webhook body has no 'object'")
    found = payload["object"]
    if not isinstance(found, str) or found != webhook_object:
        raise PayloadError(f"object is {describe(found)}, expected {webhook_object!r}")
    entry = payload.get("entry")
    if not isinstance(entry, list):
        raise PayloadError("webhook body has no 'entry' list")
    return entry


def parse_messaging_body(platform: str, webhook_object: str, payload: Any) -> list[Event]:
    """Parse a Messenger or Instagram body of entry[].messaging[] / entry[].standby[] items.

    Handover-protocol `standby[]` items are parsed like `messaging[]`. An entry in the
    `changes[]` shape (the App Dashboard "Test" button, or non-messaging Page fields) becomes
    one Ignored: real DMs never arrive that way, and the test's fake ids and second-based
    string timestamp must not turn into a conversation.
    """
    events: list[Event] = []
    for entry in entries(payload, webhook_object):
        events.extend(_parse_entry(platform, entry))
    return events


def _parse_entry(platform: str, entry: Any) -> list[Event]:
    if not isinstance(entry, dict):
        return [ignored(platform, "entry is not an object", None, entry)]
    account_id = id_at(entry, "id")
    if account_id is None:
        return [ignored(platform, "entry has no id", None, entry)]
    if not any(key in entry for key in ("messaging", "standby", "changes")):
        return [ignored(platform, "entry has no messaging items", account_id, entry)]
    events: list[Event] = []
    entry_ms = entry.get("time")
    for key in ("messaging", "standby"):
        items = entry.get(key)
        if isinstance(items, list):
            for item in items:
                events.extend(_dated_item(platform, account_id, item, entry_ms))
        elif key in entry:
            events.append(ignored(platform, f"entry.{key} is not a list", account_id, entry))
    if "changes" in entry:
        reason = "changes-shaped entry (dashboard test or non-message field)"
        events.append(ignored(platform, reason, account_id, entry, NOT_A_MESSAGE))
    return events


@dataclass(frozen=True, slots=True)
class _Item:
    """The common fields of one messaging[] item."""

    platform: str
    account_id: str
    sender: str | None
    recipient: str | None
    timestamp: datetime
    timestamp_ms: int | None  # None: the item had no time of its own (receipt time used)
    raw: dict[str, Any]

    def ignore(self, reason: str) -> Ignored:
        """An Ignored event for this item."""
        return ignored(self.platform, reason, self.account_id, self.raw)

    def synthetic_id(self, prefix: str) -> str:
        """An id for an item Meta gives none, the same for every retry of the item."""
        if self.timestamp_ms is not None:
            return f"{prefix}:{self.sender}:{self.timestamp_ms}"
        digest = hashlib.sha256(json.dumps(self.raw, sort_keys=True).encode()).hexdigest()
        return f"{prefix}:{self.sender}:{digest[:24]}"


def _valid_ms(value: Any) -> int | None:
    return value if isinstance(value, int) and ms_to_datetime(value) is not None else None


def _own_ms(item: dict[str, Any]) -> int | None:
    """An item's own time: its `timestamp`, else a receipt's watermark (Meta's documented
    `message_deliveries` sample carries only `mids` and `watermark`)."""
    for raw in (item.get("timestamp"), *(dig(item, k, "watermark") for k in ("delivery", "read"))):
        if _valid_ms(raw) is not None:
            return int(raw)
    return None


def _dated_item(platform: str, account_id: str, item: Any, entry_ms: Any) -> list[Event]:
    """One item's event; without a usable time of its own it takes the entry's time (and a Note
    says so) or, lacking that too, is left UNDATED for ingest to give the receipt time."""
    if not isinstance(item, dict):
        return [ignored(platform, "messaging item is not an object", account_id, item)]
    own = _own_ms(item)
    if own is not None:
        return [_parse_item(platform, account_id, item, own)]
    fallback = _valid_ms(entry_ms)
    event = _parse_item(platform, account_id, item, fallback)
    if fallback is None or isinstance(event, Ignored):
        return [event]
    text = "messaging item had no valid timestamp; stored with the entry's time"
    return [event, Note(platform, text, account_id)]


def _parse_item(platform: str, account_id: str, item: dict[str, Any], raw_ms: int | None) -> Event:
    when = UNDATED if raw_ms is None else ms_to_datetime(raw_ms) or UNDATED
    sender, recipient = id_at(item, "sender", "id"), id_at(item, "recipient", "id")
    ctx = _Item(platform, account_id, sender, recipient, when, raw_ms, item)
    for key, handler in _HANDLERS:
        if key in item:
            return handler(ctx, item[key])
    keys = ", ".join(sorted(str(key) for key in item))[:120]
    return ignored(
        platform, f"unknown messaging item (keys: {keys})", account_id, item, UNKNOWN_ITEM
    )


class _Content(NamedTuple):
    kind: MessageKind
    text: str | None
    attachments: tuple[Attachment, ...]
    payload: str | None
    reply_to: str | None


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def _location(raw: dict[str, Any]) -> Attachment:
    """A shared place: its coordinates, its title and Meta's map link."""
    return parts.location(
        dig(raw, "payload", "coordinates", "lat"),
        dig(raw, "payload", "coordinates", "long"),
        name=str_at(raw, "title") or str_at(raw, "payload", "title"),
        url=str_at(raw, "url") or str_at(raw, "payload", "url"),
    )


def _attachment(raw: dict[str, Any]) -> Attachment:
    kind = str_at(raw, "type") or "unknown"
    if kind == "location":
        return _location(raw)
    # A story's CDN link may be kept (and is shown as a link); its media never is.
    url = str_at(raw, "payload", "url") or str_at(raw, "url") or str_at(raw, "URL")
    details = _present(
        title=str_at(raw, "title") or str_at(raw, "payload", "title"),
        story_id=id_at(raw, "payload", "id") if kind == "story_mention" else None,
        reel_video_id=id_at(raw, "payload", "reel_video_id"),
    )
    return Attachment(type=kind, url=url, details=details or None)


def referral_attachment(referral: Any) -> Attachment | None:
    """Where the customer came from (an ad, an m.me / ig.me link), as a context attachment."""
    if not isinstance(referral, dict):
        return None
    return parts.referral(
        source_type=str_at(referral, "source"),
        ref=id_at(referral, "ref"),
        source_id=id_at(referral, "ad_id"),
        headline=str_at(referral, "ads_context_data", "ad_title"),
        source_url=str_at(referral, "ads_context_data", "photo_url")
        or str_at(referral, "ads_context_data", "video_url")
        or str_at(referral, "referer_uri"),
        post_id=id_at(referral, "ads_context_data", "post_id"),
    )


def _story_reply(story: dict[str, Any]) -> Attachment:
    details = _present(story_id=id_at(story, "id"))
    return Attachment(type="story", url=str_at(story, "url"), details=details or None)


def _content(message: dict[str, Any]) -> _Content:
    text = str_at(message, "text")
    found = [_attachment(a) for a in as_list(message.get("attachments")) if isinstance(a, dict)]
    types = {a.type for a in found}
    payload = str_at(message, "quick_reply", "payload")
    if message.get("is_unsupported") is True:
        kind = MessageKind.UNSUPPORTED
        found = [parts.unsupported("unsupported", message)]
    elif "story_mention" in types:
        kind = MessageKind.STORY_MENTION
    elif isinstance(dig(message, "reply_to", "story"), dict):
        kind = MessageKind.STORY_REPLY
        found.append(_story_reply(message["reply_to"]["story"]))
    elif payload is not None:
        kind = MessageKind.QUICK_REPLY
    elif "template" in types:
        kind = MessageKind.TEMPLATE
    elif text is None and "location" in types:
        kind = MessageKind.LOCATION
    elif text is None and all(a.type == "fallback" and not a.url for a in found):
        kind = MessageKind.UNSUPPORTED  # nothing, or a share Meta could not describe
        found = [parts.unsupported("fallback" if found else "empty", message)]
    elif text is None and types & {"share", "ig_reel", "reel", "post", "ig_post", "fallback"}:
        kind = MessageKind.SHARE
    elif text is None:
        kind = MessageKind.MEDIA
    else:
        kind = MessageKind.TEXT
    came_from = referral_attachment(message.get("referral"))
    if came_from is not None:
        found.append(came_from)
    reply_to = str_at(message, "reply_to", "mid")
    return _Content(kind, text, tuple(found), payload, reply_to)


def _message(ctx: _Item, message: Any) -> Event:
    if not isinstance(message, dict):
        return ctx.ignore("message is not an object")
    mid = str_at(message, "mid")
    if mid is None:
        return ctx.ignore("message has no mid")
    content = _content(message)
    if message.get("is_echo") is True:
        if ctx.recipient is None:
            return ctx.ignore("echo has no recipient id")
        return Echo(
            platform=ctx.platform,
            account_id=ctx.account_id,
            message_id=mid,
            recipient_id=ctx.recipient,
            timestamp=ctx.timestamp,
            text=content.text,
            kind=content.kind,
            attachments=content.attachments,
        )
    if ctx.sender is None:
        return ctx.ignore("message has no sender id")
    if message.get("is_deleted") is True:
        return MessageDeleted(ctx.platform, ctx.account_id, mid, ctx.sender, ctx.timestamp)
    return InboundMessage(
        platform=ctx.platform,
        account_id=ctx.account_id,
        message_id=mid,
        sender_id=ctx.sender,
        timestamp=ctx.timestamp,
        text=content.text,
        kind=content.kind,
        attachments=content.attachments,
        reply_to=content.reply_to,
        payload=content.payload,
    )


def _postback(ctx: _Item, postback: Any) -> Event:
    if not isinstance(postback, dict):
        return ctx.ignore("postback is not an object")
    if ctx.sender is None:
        return ctx.ignore("postback has no sender id")
    mid = str_at(postback, "mid") or ctx.synthetic_id("postback")
    came_from = referral_attachment(postback.get("referral"))
    return InboundMessage(
        platform=ctx.platform,
        account_id=ctx.account_id,
        message_id=mid,
        sender_id=ctx.sender,
        timestamp=ctx.timestamp,
        text=str_at(postback, "title"),
        kind=MessageKind.POSTBACK,
        attachments=(came_from,) if came_from is not None else (),
        payload=str_at(postback, "payload"),
    )


def _referral(ctx: _Item, referral: Any) -> Event:
    """`messaging_referrals`: a customer came back through an ad or an m.me / ig.me link."""
    came_from = referral_attachment(referral)
    if came_from is None:
        return ctx.ignore("referral is not an object")
    if ctx.sender is None:
        return ctx.ignore("referral has no sender id")
    return InboundMessage(
        platform=ctx.platform,
        account_id=ctx.account_id,
        message_id=ctx.synthetic_id("referral"),
        sender_id=ctx.sender,
        timestamp=ctx.timestamp,
        kind=MessageKind.REFERRAL,
        attachments=(came_from,),
        payload=(came_from.details or {}).get("ref"),
    )


def _edit(ctx: _Item, edit: Any) -> Event:
    """`message_edits` (Messenger) / `message_edit` (Instagram): the new text of a message."""
    if not isinstance(edit, dict):
        return ctx.ignore("message_edit is not an object")
    mid, text = str_at(edit, "mid"), edit.get("text")
    if mid is None or ctx.sender is None or not isinstance(text, str):
        return ctx.ignore("message_edit has no mid, sender id or text")
    count = edit.get("num_edit")
    if isinstance(count, str) and count.isascii() and count.isdigit() and len(count) < 6:
        count = int(count)
    return MessageEdited(
        platform=ctx.platform,
        account_id=ctx.account_id,
        message_id=mid,
        sender_id=ctx.sender,
        timestamp=ctx.timestamp,
        text=text,
        edit_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
    )


def _reaction(ctx: _Item, reaction: Any) -> Event:
    if not isinstance(reaction, dict):
        return ctx.ignore("reaction is not an object")
    mid = str_at(reaction, "mid")
    if mid is None or ctx.sender is None:
        return ctx.ignore("reaction has no mid or sender id")
    action = reaction.get("action")
    if action == "react":
        emoji = str_at(reaction, "emoji")
        if emoji is None:
            return ctx.ignore("reaction has no emoji")
    elif action == "unreact":
        emoji = None
    else:
        return ctx.ignore(f"unknown reaction action {describe(action)}")
    return Reaction(ctx.platform, ctx.account_id, mid, ctx.sender, ctx.timestamp, emoji)


def _receipt(ctx: _Item, receipt: Any, status: DeliveryStatus) -> Event:
    if not isinstance(receipt, dict):
        return ctx.ignore(f"{status} receipt is not an object")
    if ctx.sender is None:
        return ctx.ignore(f"{status} receipt has no sender id")
    mids = [m for m in as_list(receipt.get("mids")) if isinstance(m, str) and m]
    single = str_at(receipt, "mid")
    if single is not None:
        mids.append(single)
    watermark = ms_to_datetime(receipt.get("watermark"))
    if not mids and watermark is None:
        return ctx.ignore(f"{status} receipt has neither mids nor watermark")
    return StatusUpdate(
        platform=ctx.platform,
        account_id=ctx.account_id,
        customer_id=ctx.sender,
        status=status,
        timestamp=ctx.timestamp,
        message_ids=tuple(mids),
        watermark=watermark,
    )


_HANDLERS: tuple[tuple[str, Callable[[_Item, Any], Event]], ...] = (
    ("message", _message),
    ("postback", _postback),
    ("reaction", _reaction),
    ("delivery", partial(_receipt, status=DeliveryStatus.DELIVERED)),
    ("read", partial(_receipt, status=DeliveryStatus.READ)),
    ("message_edit", _edit),
    ("referral", _referral),
)


def messaging_send_request(account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
    """Messenger/Instagram Send API: `POST /{page-or-ig-id}/messages`."""
    body: dict[str, Any] = {"recipient": {"id": message.recipient_id}}
    if message.tag:
        body.update(messaging_type="MESSAGE_TAG", tag=message.tag)
    else:
        body["messaging_type"] = "RESPONSE"
    if message.attachment_url:
        body["message"] = {
            "attachment": {
                "type": message.attachment_type or "file",
                "payload": {"url": message.attachment_url, "is_reusable": False},
            }
        }
    else:
        body["message"] = {"text": message.text or ""}
    return f"{account_id}/messages", body


def messaging_reaction_request(
    account_id: str, recipient_id: str, message_id: str, reaction: str | None
) -> tuple[str, dict[str, Any]]:
    """Send API sender action `react` (with the reaction) or `unreact` on one message."""
    payload: dict[str, Any] = {"message_id": message_id}
    if reaction:
        payload["reaction"] = reaction
    body = {
        "recipient": {"id": recipient_id},
        "sender_action": "react" if reaction else "unreact",
        "payload": payload,
    }
    return f"{account_id}/messages", body


def messaging_sent_id(response: dict[str, Any]) -> str | None:
    """`message_id` of a Send API response."""
    value = response.get("message_id")
    return value if isinstance(value, str) and value else None
