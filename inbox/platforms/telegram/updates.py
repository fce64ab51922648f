"""Bot API updates → normalized events: private chats only, one message id per chat.

A Telegram message id is unique within its chat, so the stored id is `<chat id>:<message id>`
(the bot is the account): a retried update finds its message already stored. Group chats,
channels and everything a bot is told but a support inbox does not hold are Ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from inbox.platforms import parts
from inbox.platforms.events import (
    Attachment,
    Event,
    Ignored,
    InboundMessage,
    MessageEdited,
    MessageKind,
    PayloadError,
    Reaction,
)

PLATFORM = "telegram"
# Message fields that carry a file: (field, our attachment type).
_FILES = (
    ("document", "file"),
    ("voice", "audio"),
    ("audio", "audio"),
    ("video", "video"),
    ("video_note", "video"),
    ("animation", "video"),
    ("sticker", "sticker"),
)
_SKIPPED_UPDATES = (
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction_count",
)


def message_key(chat_id: object, message_id: object) -> str:
    """The stored id of a message: unique per bot as chat + message id."""
    return f"{chat_id}:{message_id}"


def _when(value: object) -> datetime:
    seconds = value if isinstance(value, int) and 0 <= value < 2**40 else 0
    return datetime.fromtimestamp(seconds, UTC)


def person_name(user: Mapping[str, Any]) -> str | None:
    """First and last name, with the @username after them when there is one."""
    name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k)).strip()
    username = user.get("username")
    if username:
        name = f"{name} (@{username})" if name else f"@{username}"
    return name[:200] or None


@dataclass(slots=True)
class _Content:
    text: str | None = None
    kind: MessageKind = MessageKind.TEXT
    attachments: list[Attachment] = field(default_factory=list)


def _file(kind: str, item: Mapping[str, Any]) -> Attachment:
    size = item.get("file_size")
    mime = item.get("mime_type")
    if kind == "sticker":
        mime = "video/webm" if item.get("is_video") else None if item.get("is_animated") else mime
        mime = mime or ("image/webp" if not item.get("is_animated") else "application/x-tgsticker")
    return Attachment(
        type=kind,
        mime_type=str(mime) if mime else None,
        media_id=str(item.get("file_id") or "") or None,
        filename=str(item["file_name"])[:200] if item.get("file_name") else None,
        size=size if isinstance(size, int) else None,
    )


def _place(location: Mapping[str, Any], name: Any = None, address: Any = None) -> Attachment:
    lat, lon = location.get("latitude"), location.get("longitude")
    return parts.location(lat, lon, name=_words(name), address=_words(address))


def _words(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _contact(contact: Mapping[str, Any]) -> Attachment:
    name = " ".join(str(contact[k]) for k in ("first_name", "last_name") if contact.get(k))
    phone = contact.get("phone_number")
    card: dict[str, Any] = {"name": name or None, "phones": [str(phone)] if phone else []}
    return parts.contacts([{k: v for k, v in card.items() if v}])


_KNOWN = ("text", "caption", "photo", "sticker", "location", "venue", "contact", "animation")


def _kind_of(message: Mapping[str, Any]) -> str:
    """The Bot API field that makes this message what it is, for 'cannot show yet (<kind>)'."""
    skip = {"message_id", "from", "chat", "date", "edit_date", "reply_to_message", "entities"}
    fields = [k for k in message if k not in skip and k not in _KNOWN]
    return fields[0] if fields else "unknown"


def content(message: Mapping[str, Any]) -> _Content:
    """What a message says and carries; a caption is the text (an edit may change it)."""
    caption = message.get("caption") if isinstance(message.get("caption"), str) else None
    found = _Content(text=message.get("text") if isinstance(message.get("text"), str) else None)
    photo = message.get("photo")
    if isinstance(photo, list) and photo:
        sizes = [p for p in photo if isinstance(p, dict)]
        largest = max(sizes, key=lambda p: (p.get("file_size") or 0, p.get("width") or 0))
        found.attachments.append(_file("image", {**largest, "mime_type": "image/jpeg"}))
    for name, kind in _FILES:
        item = message.get(name)
        if isinstance(item, dict) and not (name == "document" and "animation" in message):
            found.attachments.append(_file(kind, item))
    if found.attachments:
        found.kind = MessageKind.MEDIA
        found.text = caption
        sticker = message.get("sticker")
        if isinstance(sticker, dict) and sticker.get("emoji") and not caption:
            found.text = str(sticker["emoji"])
    if isinstance(message.get("location"), dict) and "venue" not in message:
        found.kind = MessageKind.LOCATION
        found.attachments.append(_place(message["location"]))
    if isinstance(message.get("venue"), dict):
        venue = message["venue"]
        place = venue.get("location") if isinstance(venue.get("location"), dict) else {}
        found.kind = MessageKind.LOCATION
        found.attachments.append(_place(place, venue.get("title"), venue.get("address")))
    if isinstance(message.get("contact"), dict):
        found.kind = MessageKind.CONTACTS
        found.attachments.append(_contact(message["contact"]))
    if found.text is None and not found.attachments:
        found.kind = MessageKind.UNSUPPORTED
        found.attachments.append(parts.unsupported(_kind_of(message), dict(message)))
    return found


def _private(message: Mapping[str, Any], update_id: object) -> Ignored | None:
    chat = message.get("chat")
    if not isinstance(chat, dict) or "id" not in chat:
        return Ignored(PLATFORM, f"update {update_id}: a message without a chat")
    if chat.get("type") != "private":
        kind = chat.get("type") or "unknown"
        return Ignored(PLATFORM, f"update {update_id}: a {kind} chat (only private chats)")
    sender = message.get("from")
    if isinstance(sender, dict) and sender.get("is_bot"):
        return Ignored(PLATFORM, f"update {update_id}: a message from a bot")
    return None


def _message(account: str, message: Mapping[str, Any], update_id: object) -> Event:
    skip = _private(message, update_id)
    if skip is not None:
        return skip
    chat = message["chat"]
    found = content(message)
    reply = message.get("reply_to_message")
    return InboundMessage(
        platform=PLATFORM,
        account_id=account,
        message_id=message_key(chat["id"], message.get("message_id")),
        sender_id=str(chat["id"]),
        timestamp=_when(message.get("date")),
        text=found.text,
        kind=found.kind,
        attachments=tuple(found.attachments),
        sender_name=person_name(message.get("from") or chat),
        reply_to=message_key(chat["id"], reply["message_id"])
        if isinstance(reply, dict) and "message_id" in reply
        else None,
    )


def _edited(account: str, message: Mapping[str, Any], update_id: object) -> Event:
    skip = _private(message, update_id)
    if skip is not None:
        return skip
    chat = message["chat"]
    found = content(message)
    return MessageEdited(
        platform=PLATFORM,
        account_id=account,
        message_id=message_key(chat["id"], message.get("message_id")),
        sender_id=str(chat["id"]),
        timestamp=_when(message.get("edit_date") or message.get("date")),
        text=found.text or "",
    )


def _reaction(account: str, update: Mapping[str, Any], update_id: object) -> Event:
    skip = _private(update, update_id)
    if skip is not None:
        return skip
    chat = update["chat"]
    emoji = next(
        (
            str(r["emoji"])
            for r in update.get("new_reaction") or []
            if isinstance(r, dict) and r.get("type") == "emoji" and r.get("emoji")
        ),
        None,
    )
    return Reaction(
        platform=PLATFORM,
        account_id=account,
        message_id=message_key(chat["id"], update.get("message_id")),
        sender_id=str(chat["id"]),
        timestamp=_when(update.get("date")),
        emoji=emoji,
    )


def parse_update(account: str, update: Any) -> list[Event]:
    """One update (Telegram sends one per webhook call) as events; PayloadError on its shape."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise PayloadError("not a Telegram update: no integer update_id")
    update_id = update["update_id"]
    for name, handle in (
        ("message", _message),
        ("edited_message", _edited),
        ("message_reaction", _reaction),
    ):
        if isinstance(update.get(name), dict):
            return [handle(account, update[name], update_id)]
    kind = next((k for k in update if k != "update_id"), "nothing")
    why = "not handled" if kind in _SKIPPED_UPDATES else "unknown"
    return [Ignored(PLATFORM, f"update {update_id}: {kind} ({why})", account, dict(update))]
