"""Structured parts of a message, carried as attachments with `details`: one shape per kind,
whatever the platform, so inbox/display.py shows them the same way everywhere.

Every builder is pure and keeps only what the platform sent (absent fields stay absent).
"""

from __future__ import annotations

import json
from typing import Any

from inbox.platforms.events import Attachment

# Attachment types that are structured parts, not files: never downloaded or uploaded.
LOCATION = "location"
CONTACTS = "contacts"
ORDER = "order"
REFERRAL = "referral"
FORM = "form"
SYSTEM = "system"
UNSUPPORTED = "unsupported"
# What Meta bills for one of our WhatsApp messages (from its statuses): context, not content.
BILLING = "billing"
PART_TYPES = frozenset({LOCATION, CONTACTS, ORDER, REFERRAL, FORM, SYSTEM, UNSUPPORTED, BILLING})
_RAW_LIMIT = 64 * 1024  # an unsupported item bigger than this keeps its type, not its JSON


def stored(attachment: Attachment) -> dict[str, Any]:
    """An attachment as the messages.attachments JSON keeps it (absent fields left out)."""
    return {
        name: getattr(attachment, name)
        for name in attachment.__slots__
        if getattr(attachment, name) is not None
    }


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None and v != "" and v != []}


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def location(
    latitude: Any,
    longitude: Any,
    *,
    name: str | None = None,
    address: str | None = None,
    url: str | None = None,
) -> Attachment:
    """A shared place: coordinates (numbers, else left out), its name, address and link."""
    details = _present(
        latitude=_number(latitude),
        longitude=_number(longitude),
        name=name,
        address=address,
        url=url,
    )
    return Attachment(type=LOCATION, details=details)


def contacts(cards: list[dict[str, Any]]) -> Attachment:
    """Shared contact cards, each {name, phones[], emails[], org}."""
    return Attachment(type=CONTACTS, details={"contacts": cards})


def order(
    items: list[dict[str, Any]], *, catalog_id: str | None = None, note: str | None = None
) -> Attachment:
    """A cart: items {product, quantity, price, currency}, the catalog and the buyer's note."""
    return Attachment(type=ORDER, details=_present(catalog_id=catalog_id, items=items, note=note))


def referral(
    *,
    headline: str | None = None,
    body: str | None = None,
    source_url: str | None = None,
    source_type: str | None = None,
    source_id: str | None = None,
    ref: str | None = None,
    post_id: str | None = None,
) -> Attachment:
    """Where the conversation came from (an ad, a post, an m.me link): context, not content."""
    details = _present(
        headline=headline,
        body=body,
        source_url=source_url,
        source_type=source_type,
        source_id=source_id,
        ref=ref,
        post_id=post_id,
    )
    return Attachment(type=REFERRAL, details=details)


def form(name: str | None, answers: dict[str, str]) -> Attachment:
    """A form's answers (a WhatsApp Flow) as [{field, answer}] in the form's order (a JSON
    object column would not keep it)."""
    rows = [{"field": key, "answer": value} for key, value in answers.items()]
    return Attachment(type=FORM, details=_present(name=name, answers=rows))


def system(text: str | None, *, event: str | None = None, new_id: str | None = None) -> Attachment:
    """The platform's notice about the customer (changed number, new identity)."""
    return Attachment(type=SYSTEM, details=_present(text=text, event=event, new_id=new_id))


def billing(
    *,
    category: str | None = None,
    pricing_model: str | None = None,
    pricing_type: str | None = None,
    billable: bool | None = None,
    conversation_id: str | None = None,
    origin: str | None = None,
    expires_at: str | None = None,
) -> Attachment | None:
    """How Meta prices one of our messages (a status's `pricing` and `conversation`); None
    when the status says nothing about it."""
    details = _present(
        category=category,
        pricing_model=pricing_model,
        pricing_type=pricing_type,
        billable=billable,
        conversation_id=conversation_id,
        origin=origin,
        expires_at=expires_at,
    )
    return Attachment(type=BILLING, details=details) if details else None


def unsupported(kind: str, raw: dict[str, Any]) -> Attachment:
    """A customer message of a kind cahts cannot show yet: its type and the raw item."""
    size = len(json.dumps(raw, ensure_ascii=False, default=str))
    details: dict[str, Any] = {"kind": kind[:64] or "unknown"}
    if size <= _RAW_LIMIT:
        details["raw"] = raw
    return Attachment(type=UNSUPPORTED, details=details)


def unsupported_kind(attachments: list[dict[str, Any]] | tuple[Attachment, ...]) -> str | None:
    """The platform type named by a message's unsupported part, if it has one."""
    for item in attachments:
        kind, details = (
            (item.type, item.details)
            if isinstance(item, Attachment)
            else (item.get("type"), item.get("details"))
        )
        if kind == UNSUPPORTED and isinstance(details, dict):
            found = details.get("kind")
            return found if isinstance(found, str) and found else None
    return None
