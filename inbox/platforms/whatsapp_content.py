"""What one WhatsApp Cloud API message item carries, kind by kind (pure).

Every customer message becomes content: a kind cahts does not understand, or a known kind
missing its object, becomes `unsupported` with the raw item kept, never a dropped message.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from inbox.platforms import parts
from inbox.platforms.common import as_list, dig, str_at
from inbox.platforms.events import Attachment, MessageKind

# Customer message types that carry one media object (`{id, mime_type, sha256, ...}`).
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
_REPLY_TYPES = ("button_reply", "list_reply")


class Content(NamedTuple):
    """A message's kind, words, attachments (media and structured parts) and button payload."""

    kind: MessageKind
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    payload: str | None = None


def content(message: dict[str, Any]) -> Content:
    """What a message item carries; an ad referral rides along as a part of any kind."""
    found = _by_type(message)
    referral = message.get("referral")
    if isinstance(referral, dict):
        extra = parts.referral(
            headline=str_at(referral, "headline"),
            body=str_at(referral, "body"),
            source_url=str_at(referral, "source_url"),
            source_type=str_at(referral, "source_type"),
            source_id=str_at(referral, "source_id"),
        )
        found = found._replace(attachments=(*found.attachments, extra))
    return found


def unsupported(kind: str, message: dict[str, Any]) -> Content:
    """A message cahts cannot show yet, keeping its raw item."""
    return Content(MessageKind.UNSUPPORTED, attachments=(parts.unsupported(kind, message),))


def _by_type(message: dict[str, Any]) -> Content:
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        return unsupported("unknown", message)
    if kind == "text":
        return Content(MessageKind.TEXT, text=str_at(message, "text", "body"))
    if kind in MEDIA_TYPES:
        return _media(kind, message)
    handler = _HANDLERS.get(kind)
    if handler is None:
        return unsupported(_unsupported_kind(kind, message), message)
    return handler(message)


def _unsupported_kind(kind: str, message: dict[str, Any]) -> str:
    if kind == "unsupported":  # Meta's own: `unsupported.type` names it when it can
        return str_at(message, "unsupported", "type") or "unknown"
    return kind


def _media(kind: str, message: dict[str, Any]) -> Content:
    media = message.get(kind)
    if not isinstance(media, dict):
        return unsupported(kind, message)
    # an animated sticker; a recorded voice note (voice: true) or a sent audio file (false)
    flags = {
        name: media[name] for name in ("animated", "voice") if isinstance(media.get(name), bool)
    }
    attachment = Attachment(
        type=kind,
        caption=str_at(media, "caption"),
        mime_type=str_at(media, "mime_type"),
        media_id=str_at(media, "id"),
        filename=str_at(media, "filename"),
        details=flags or None,
    )
    return Content(MessageKind.MEDIA, attachments=(attachment,))


def _location(message: dict[str, Any]) -> Content:
    place = message.get("location")
    if not isinstance(place, dict):
        return unsupported("location", message)
    part = parts.location(
        place.get("latitude"),
        place.get("longitude"),
        name=str_at(place, "name"),
        address=str_at(place, "address"),
        url=str_at(place, "url"),
    )
    return Content(MessageKind.LOCATION, attachments=(part,))


def _card(contact: dict[str, Any]) -> dict[str, Any]:
    name = str_at(contact, "name", "formatted_name") or " ".join(
        filter(None, (str_at(contact, "name", "first_name"), str_at(contact, "name", "last_name")))
    )
    phones = [str_at(p, "phone") or str_at(p, "wa_id") for p in as_list(contact.get("phones"))]
    emails = [str_at(e, "email") for e in as_list(contact.get("emails"))]
    org = str_at(contact, "org", "company")
    card: dict[str, Any] = {"name": name or None, "org": org}
    card["phones"] = [p for p in phones if p]
    card["emails"] = [e for e in emails if e]
    return {k: v for k, v in card.items() if v}


def _contacts(message: dict[str, Any]) -> Content:
    cards = [_card(c) for c in as_list(message.get("contacts")) if isinstance(c, dict)]
    if not cards:
        return unsupported("contacts", message)
    return Content(MessageKind.CONTACTS, attachments=(parts.contacts(cards),))


def _item(raw: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "product": str_at(raw, "product_retailer_id"),
        "quantity": raw.get("quantity"),
        "price": raw.get("item_price"),
        "currency": str_at(raw, "currency"),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _order(message: dict[str, Any]) -> Content:
    cart = message.get("order")
    if not isinstance(cart, dict):
        return unsupported("order", message)
    items = [_item(i) for i in as_list(cart.get("product_items")) if isinstance(i, dict)]
    part = parts.order(items, catalog_id=str_at(cart, "catalog_id"), note=str_at(cart, "text"))
    return Content(MessageKind.ORDER, text=str_at(cart, "text"), attachments=(part,))


def _answers(response_json: str | None) -> dict[str, str]:
    """A Flow's answers as text, without its flow_token (Meta's bookkeeping, not an answer)."""
    try:
        loaded = json.loads(response_json or "{}")
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k, v in loaded.items()
        if k != "flow_token"
    }


def _interactive(message: dict[str, Any]) -> Content:
    sub = str_at(message, "interactive", "type")
    if sub in _REPLY_TYPES:
        reply = dig(message, "interactive", sub)
        return Content(
            MessageKind.QUICK_REPLY, text=str_at(reply, "title"), payload=str_at(reply, "id")
        )
    if sub == "nfm_reply":
        reply = dig(message, "interactive", "nfm_reply")
        response = str_at(reply, "response_json")
        part = parts.form(str_at(reply, "name"), _answers(response))
        return Content(
            MessageKind.FORM_REPLY,
            text=str_at(reply, "body"),
            attachments=(part,),
            payload=response,
        )
    return unsupported(f"interactive {sub}" if sub else "interactive", message)


def _button(message: dict[str, Any]) -> Content:
    return Content(
        MessageKind.QUICK_REPLY,
        text=str_at(message, "button", "text"),
        payload=str_at(message, "button", "payload"),
    )


def _system(message: dict[str, Any]) -> Content:
    notice = message.get("system")
    if not isinstance(notice, dict):
        return unsupported("system", message)
    text = str_at(notice, "body")
    part = parts.system(text, event=str_at(notice, "type"), new_id=str_at(notice, "wa_id"))
    return Content(MessageKind.SYSTEM, text=text, attachments=(part,))


_HANDLERS = {
    "location": _location,
    "contacts": _contacts,
    "order": _order,
    "interactive": _interactive,
    "button": _button,
    "system": _system,
}
