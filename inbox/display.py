"""How a stored message's structured content reads for people: plain lines with optional
links, the same in the Slack thread (bot/thread/render.py) and the dashboard (the REST
`display` field). Pure; never repeats the message's own text (`content`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from inbox.platforms import parts
from inbox.platforms.events import MessageKind

MAP_URL = "https://www.google.com/maps/search/?api=1&query={lat},{lon}"
_MEDIA_WORDS = {
    "image": "a photo",
    "video": "a video",
    "audio": "an audio file",
    "file": "a file",
    "document": "a document",
    "sticker": "a sticker",
}
_SYSTEM_WORDS = {
    "user_changed_number": "changed their phone number",
    "customer_changed_number": "changed their phone number",
    "customer_identity_changed": "has a new security code (reinstalled WhatsApp or changed phone)",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One line: `context` lines describe the message; the others carry the customer's content."""

    text: str
    url: str | None = None
    context: bool = False

    def wire(self) -> dict[str, Any]:
        """The line as JSON."""
        return {"text": self.text, "url": self.url, "context": self.context}


def safe_url(value: Any) -> str | None:
    """An http(s) link fit to show (characters that break markup percent-encoded), else None."""
    if not isinstance(value, str) or not value.lower().startswith(("https://", "http://")):
        return None
    return quote(value, safe=":/?#[]@!$&'()*+,;=%~-._")


def media_words(item: Mapping[str, Any]) -> str | None:
    """Words for a media attachment its type alone does not say ("an animated sticker",
    "a document “invoice.pdf”"); None when the type's usual words fit."""
    kind = str(item.get("type") or "file")
    found = item.get("details")
    details: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    if kind == "sticker" and details.get("animated") is True:
        return "an animated sticker"
    if kind == "audio" and details.get("voice") is False:
        return "an audio file"
    filename = item.get("filename")
    if isinstance(filename, str) and filename:
        return f"{_MEDIA_WORDS.get(kind, 'a file')} “{filename}”"
    return None


def unsupported_text(customer: str, kind: str | None) -> str:
    """What a message cahts cannot show reads as."""
    return f"{customer} sent a message cahts cannot show yet ({kind or 'unknown type'})"


def lines(kind: str, attachments: Iterable[Mapping[str, Any]] | None, customer: str) -> list[Line]:
    """The lines that show a message's structured parts (and an unsupported message)."""
    out: list[Line] = []
    items = [a for a in attachments or () if isinstance(a, Mapping)]
    for item in items:
        details = item.get("details")
        render = _RENDERERS.get(str(item.get("type")))
        if render is not None and isinstance(details, Mapping):
            out.extend(render(details, customer))
    if kind == MessageKind.UNSUPPORTED and not any(
        item.get("type") == parts.UNSUPPORTED for item in items
    ):
        out.append(Line(unsupported_text(customer, None), context=True))
    return out


def _coordinates(details: Mapping[str, Any]) -> tuple[Any, Any] | None:
    lat, lon = details.get("latitude"), details.get("longitude")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    return (lat, lon) if numbers else None


def _location(details: Mapping[str, Any], customer: str) -> list[Line]:
    out = [Line("shared a location", context=True)]
    place = ", ".join(str(details[k]) for k in ("name", "address") if details.get(k))
    if place:
        out.append(Line(place))
    where = _coordinates(details)
    if where is not None:
        lat, lon = where
        out.append(Line(f"Open in maps ({lat}, {lon})", MAP_URL.format(lat=lat, lon=lon)))
    link = safe_url(details.get("url"))
    if link is not None:
        out.append(Line("Place link", link))
    return out


def _contacts(details: Mapping[str, Any], customer: str) -> list[Line]:
    cards = [c for c in details.get("contacts") or [] if isinstance(c, Mapping)]
    count = "a contact" if len(cards) == 1 else f"{len(cards)} contacts"
    out = [Line(f"shared {count}", context=True)]
    for card in cards:
        name = str(card.get("name") or "(no name)")
        if card.get("org"):
            name += f" ({card['org']})"
        reach = [str(v) for v in [*(card.get("phones") or []), *(card.get("emails") or [])]]
        out.append(Line(f"{name}: {', '.join(reach)}" if reach else name))
    return out


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _amount(value: Decimal, currency: str) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return f"{text} {currency}".strip()


def _order(details: Mapping[str, Any], customer: str) -> list[Line]:
    catalog = details.get("catalog_id")
    out = [
        Line(f"placed an order (catalog {catalog})" if catalog else "placed an order", None, True)
    ]
    totals: dict[str, Decimal] = {}
    for item in details.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        found = _decimal(item.get("quantity"))
        quantity = Decimal(1) if found is None else found
        price = _decimal(item.get("price"))
        currency = str(item.get("currency") or "")
        line = f"{_amount(quantity, '')} × {item.get('product') or 'item'}"
        if price is not None:
            subtotal = price * quantity
            totals[currency] = totals.get(currency, Decimal(0)) + subtotal
            line += f" at {_amount(price, currency)} = {_amount(subtotal, currency)}"
        out.append(Line(line))
    if totals:
        out.append(Line("Total: " + " + ".join(_amount(v, c) for c, v in totals.items())))
    return out


def _referral(details: Mapping[str, Any], customer: str) -> list[Line]:
    source = str(details.get("source_type") or "").upper()
    ref = details.get("ref")
    title = details.get("headline") or details.get("body")
    if source == "POST":
        what = f"the post “{title}”" if title else "a post"
    elif source in ("AD", "ADS") or details.get("source_id") or (title and not source):
        what = f"the ad “{title}”" if title else "an ad"
    elif source in ("SHORTLINK", "SHORT-URL", "SHORTLINKS"):
        what = "an m.me link"
    elif source == "IGME-SOURCE-LINK":
        what = "an ig.me link"
    elif source == "CUSTOMER_CHAT_PLUGIN":
        what = "the chat plugin on your website"
    else:
        what = f"a {source.lower()} referral" if source else "a referral"
    text = f"came from {what}" + (f" (ref {ref})" if ref else "")
    return [Line(text, safe_url(details.get("source_url")), context=True)]


def _form(details: Mapping[str, Any], customer: str) -> list[Line]:
    name = details.get("name")
    out = [Line(f"filled in the form “{name}”" if name else "filled in a form", context=True)]
    for row in details.get("answers") or []:
        if isinstance(row, Mapping):
            out.append(Line(f"{row.get('field')}: {row.get('answer')}"))
    return out


def _system(details: Mapping[str, Any], customer: str) -> list[Line]:
    words = _SYSTEM_WORDS.get(str(details.get("event")), "sent a notice")
    new_id = details.get("new_id")
    if new_id and "number" in words:
        words += f" (now {new_id})"
    return [Line(f"{customer} {words}", context=True)]


def _billing(details: Mapping[str, Any], customer: str) -> list[Line]:
    category = details.get("category") or details.get("origin")
    # Per-message pricing (PMP, Meta's model since July 2025) bills messages, not conversations.
    unit = "message" if details.get("pricing_model") == "PMP" else "conversation"
    what = f"{str(category).replace('_', ' ')} {unit}" if category else unit
    free = str(details.get("pricing_type") or "").startswith("free")
    if details.get("billable") is False or free:
        return [Line(f"free ({what})", context=True)]
    if details.get("billable") is True:
        article = "an" if what[0] in "aeio" else "a"  # "a utility"
        return [Line(f"billed by Meta as {article} {what}", context=True)]
    if not category:
        return []
    return [Line(f"Meta category: {str(category).replace('_', ' ')}", context=True)]


def _unsupported(details: Mapping[str, Any], customer: str) -> list[Line]:
    kind = details.get("kind")
    return [Line(unsupported_text(customer, kind if isinstance(kind, str) else None), None, True)]


_RENDERERS = {
    parts.LOCATION: _location,
    parts.CONTACTS: _contacts,
    parts.ORDER: _order,
    parts.REFERRAL: _referral,
    parts.FORM: _form,
    parts.SYSTEM: _system,
    parts.UNSUPPORTED: _unsupported,
    parts.BILLING: _billing,
}
