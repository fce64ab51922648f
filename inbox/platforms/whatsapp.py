"""WhatsApp Cloud API webhooks: entry[].changes[].value.messages[] / statuses[]."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inbox.platforms import parts, whatsapp_content
from inbox.platforms.base import ConnectMethod
from inbox.platforms.common import (
    as_list,
    describe,
    dig,
    entries,
    ignored,
    seconds_to_datetime,
    str_at,
)
from inbox.platforms.events import (
    NOT_A_MESSAGE,
    UNDATED,
    Attachment,
    DeliveryStatus,
    Echo,
    Event,
    InboundMessage,
    MessageDeleted,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.graphapi import GraphApi
from inbox.platforms.meta import MetaAdapter
from inbox.platforms.outbound import OutboundMessage

PLATFORM = "whatsapp"
_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "played": DeliveryStatus.READ,  # a voice message listened to has been read
    "failed": DeliveryStatus.FAILED,
}
# Our attachment type -> the Cloud API message type that sends it by link.
_OUTBOUND_MEDIA_TYPES = {"image": "image", "video": "video", "audio": "audio", "file": "document"}
_ECHO_FIELD = "smb_message_echoes"


class WhatsAppAdapter(MetaAdapter):
    """WhatsApp adapter; account_id is value.metadata.phone_number_id (the business number).

    Changes with field "messages" give messages and statuses. Field "smb_message_echoes"
    (only for WhatsApp Business app numbers in coexistence) gives an Echo per
    value.message_echoes[] item, recipient = `to`: those are replies typed in the phone app,
    which the Slack thread should show. The Cloud API itself never echoes. Other fields are
    Ignored (not messages); a message of a type not understood is kept as unsupported with
    its raw item (whatsapp_content.py). There is no history API; accounts are
    connected with a form (phone number id, system-user token, WABA id), not Facebook Login.
    """

    name: str = "whatsapp"
    webhook_object: str = "whatsapp_business_account"
    label: str = "WhatsApp"
    icon: str = ":iphone:"
    color: str = "#25d366"
    connect_method: ConnectMethod = "form"
    max_text_chars: int = 4096
    max_text_bytes: int | None = None
    extended_window: timedelta | None = None  # past 24 h only approved templates may go
    has_templates: bool = True

    def parse(self, payload: Any, account_id: str | None = None) -> list[Event]:
        """Turn a WhatsApp webhook body into events; PayloadError on a wrong top level."""
        events: list[Event] = []
        for entry in entries(payload, self.webhook_object):
            events.extend(_parse_entry(entry))
        return events

    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """Cloud API `POST /{phone-number-id}/messages`: text, media by link, or a template."""
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient_id,
        }
        if message.template is not None:
            body.update(type="template", template=message.template)
        elif message.attachment_url:
            kind = _OUTBOUND_MEDIA_TYPES.get(message.attachment_type or "", "document")
            media: dict[str, Any] = {"link": message.attachment_url}
            if message.text and kind != "audio":
                media["caption"] = message.text
            body.update(type=kind, **{kind: media})
        else:
            body.update(type="text", text={"body": message.text or "", "preview_url": False})
        return f"{account_id}/messages", body

    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """`messages[0].id` of a Cloud API send response."""
        messages = response.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            value = messages[0].get("id")
            return value if isinstance(value, str) and value else None
        return None

    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """A `reaction` message on the customer's message; an empty emoji removes ours."""
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient_id,
            "type": "reaction",
            "reaction": {"message_id": message_id, "emoji": emoji or ""},
        }
        return f"{account_id}/messages", body

    def _subscription(
        self, external_id: str, parent_external_id: str | None
    ) -> tuple[str | None, dict[str, str] | None]:
        return parent_external_id, None  # the WABA; without it there is nothing to subscribe

    def subscription_sharers(
        self, external_id: str, parent_external_id: str | None
    ) -> list[dict[str, str]] | None:
        """Other numbers of the same WABA."""
        if parent_external_id is None:
            return None
        return [{"platform": self.name, "parent_external_id": parent_external_id}]

    async def describe_number(
        self, graph: GraphApi, token: str, phone_number_id: str
    ) -> dict[str, Any]:
        """The phone number as Meta knows it (id, display number, verified name)."""
        return await graph.get(
            phone_number_id,
            token=token,
            params={"fields": "id,display_phone_number,verified_name"},
        )


ADAPTER = WhatsAppAdapter()


def _parse_entry(entry: Any) -> list[Event]:
    if not isinstance(entry, dict):
        return [ignored(PLATFORM, "entry is not an object", None, entry)]
    changes = entry.get("changes")
    if not isinstance(changes, list):
        return [ignored(PLATFORM, "entry has no changes list", None, entry)]
    events: list[Event] = []
    for change in changes:
        events.extend(_parse_change(change))
    return events


def _parse_change(change: Any) -> list[Event]:
    if not isinstance(change, dict):
        return [ignored(PLATFORM, "change is not an object", None, change)]
    field = change.get("field")
    if field not in ("messages", _ECHO_FIELD):  # account, template, quality updates: no messages
        reason = f"change field {describe(field)} carries no messages"
        return [ignored(PLATFORM, reason, None, change, NOT_A_MESSAGE)]
    value = change.get("value")
    account_id = str_at(value, "metadata", "phone_number_id")
    if not isinstance(value, dict) or account_id is None:
        return [ignored(PLATFORM, "change has no metadata.phone_number_id", None, change)]
    events: list[Event]
    if field == _ECHO_FIELD:
        events = [_echo(account_id, item) for item in as_list(value.get("message_echoes"))]
    else:
        names = _contact_names(value)
        events = [_message(account_id, item, names) for item in as_list(value.get("messages"))]
        events += [_status(account_id, item) for item in as_list(value.get("statuses"))]
    if not events:
        reason = "change has no messages, statuses or echoes"
        return [ignored(PLATFORM, reason, account_id, change, NOT_A_MESSAGE)]
    return events


def _contact_names(value: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in as_list(value.get("contacts")):
        wa_id = str_at(contact, "wa_id")
        name = str_at(contact, "profile", "name")
        if wa_id is not None and name is not None:
            names[wa_id] = name
    return names


def _message(account_id: str, item: Any, names: dict[str, str]) -> Event:
    if not isinstance(item, dict):
        return ignored(PLATFORM, "message is not an object", account_id, item)
    message_id = str_at(item, "id")
    sender = str_at(item, "from")
    if message_id is None or sender is None:
        return ignored(PLATFORM, "message has no id or from", account_id, item)
    when = seconds_to_datetime(item.get("timestamp")) or UNDATED  # ingest dates it, and says so
    kind = item.get("type")
    if kind == "reaction":
        target = str_at(item, "reaction", "message_id")
        if target is None:
            return ignored(PLATFORM, "reaction has no message_id", account_id, item)
        emoji = str_at(item, "reaction", "emoji")  # an empty emoji means removed
        return Reaction(PLATFORM, account_id, target, sender, when, emoji)
    if kind == "revoke":  # the customer deleted a message they had sent
        target = str_at(item, "revoke", "original_message_id")
        if target is not None:
            return MessageDeleted(PLATFORM, account_id, target, sender, when)
    content = whatsapp_content.content(item)
    return InboundMessage(
        platform=PLATFORM,
        account_id=account_id,
        message_id=message_id,
        sender_id=sender,
        timestamp=when,
        text=content.text,
        kind=content.kind,
        attachments=content.attachments,
        sender_name=names.get(sender),
        reply_to=str_at(item, "context", "id"),
        payload=content.payload,
    )


def _echo(account_id: str, item: Any) -> Event:
    if not isinstance(item, dict):
        return ignored(PLATFORM, "message echo is not an object", account_id, item)
    message_id = str_at(item, "id")
    recipient = str_at(item, "to")
    if message_id is None or recipient is None:
        return ignored(PLATFORM, "message echo has no id or to", account_id, item)
    when = seconds_to_datetime(item.get("timestamp")) or UNDATED
    content = whatsapp_content.content(item)
    return Echo(
        platform=PLATFORM,
        account_id=account_id,
        message_id=message_id,
        recipient_id=recipient,
        timestamp=when,
        text=content.text,
        kind=content.kind,
        attachments=content.attachments,
    )


def _error_text(error: dict[str, Any]) -> str | None:
    title = str_at(error, "title") or str_at(error, "message")
    details = str_at(error, "error_data", "details")
    if title and details and details != title:
        return f"{title}: {details}"
    return title or details


def _status(account_id: str, item: Any) -> Event:
    if not isinstance(item, dict):
        return ignored(PLATFORM, "status is not an object", account_id, item)
    message_id = str_at(item, "id")
    customer = str_at(item, "recipient_id")
    if message_id is None or customer is None:
        return ignored(PLATFORM, "status has no id or recipient_id", account_id, item)
    when = seconds_to_datetime(item.get("timestamp")) or UNDATED
    status = _STATUSES.get(str_at(item, "status") or "")
    if status is None:
        reason = f"status {describe(item.get('status'))} is not a delivery state"
        return ignored(PLATFORM, reason, account_id, item, NOT_A_MESSAGE)
    error = next(iter(as_list(item.get("errors"))), None)
    code = dig(error, "code")
    return StatusUpdate(
        platform=PLATFORM,
        account_id=account_id,
        customer_id=customer,
        status=status,
        timestamp=when,
        message_ids=(message_id,),
        error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        error_message=_error_text(error) if isinstance(error, dict) else None,
        billing=_billing(item),
    )


def _billing(item: dict[str, Any]) -> Attachment | None:
    """The status's `pricing` and `conversation` (the window Meta opened and how it bills)."""
    pricing, conversation = item.get("pricing"), item.get("conversation")
    billable = dig(pricing, "billable")
    expires = seconds_to_datetime(dig(conversation, "expiration_timestamp"))
    return parts.billing(
        category=str_at(pricing, "category"),
        pricing_model=str_at(pricing, "pricing_model"),
        pricing_type=str_at(pricing, "type"),
        billable=billable if isinstance(billable, bool) else None,
        conversation_id=str_at(conversation, "id"),
        origin=str_at(conversation, "origin", "type"),
        expires_at=expires.isoformat() if expires is not None else None,
    )
