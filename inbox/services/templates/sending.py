"""Send an approved WhatsApp template through the outbox, at most once per request key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from inbox.models import Conversation, Message, Outbox, PlatformAccount, WhatsAppTemplate
from inbox.platforms import whatsapp_templates as wt
from inbox.platforms.events import DeliveryStatus
from inbox.platforms.outbound import STANDARD_WINDOW
from inbox.platforms.registry import get_adapter
from inbox.services.sending.outbox import PENDING_PREFIX, TEMPLATE_KIND, SendRefused
from inbox.services.templates.catalog import as_template


@dataclass(frozen=True, slots=True)
class Queued:
    """The template message, and whether this request wrote it (False: asked before)."""

    message: Message
    created: bool


def no_template_route(platform: str) -> str:
    """What to tell an agent on a platform with no template past its window."""
    adapter = get_adapter(platform)
    label = adapter.label if adapter is not None else platform
    return (
        f"{label} has no message templates: past its reply window nothing can reach the "
        "customer until they write again"
    )


def stored_template(message: Message) -> dict[str, Any] | None:
    """What a template message records: name, language, category and the send object."""
    if message.kind != TEMPLATE_KIND or not message.payload:
        return None
    try:
        stored = json.loads(message.payload)
    except ValueError:
        return None
    return stored if isinstance(stored, dict) else None


def waiting_for_customer(conversation: Conversation) -> bool:
    """A template went out after the customer's last message: the window opens when they answer."""
    sent = conversation.template_sent_at
    last = conversation.last_incoming_at
    return sent is not None and (last is None or sent > last)


def window_closed(conversation: Conversation, now: datetime | None = None) -> bool:
    """True when only a template can reach this WhatsApp customer."""
    last = conversation.last_incoming_at
    return last is None or (now or datetime.now(UTC)) - last > STANDARD_WINDOW


async def queue_template(
    conversation: Conversation,
    template_row: WhatsAppTemplate,
    values: Mapping[str, Any],
    *,
    agent: str | None,
    source: str,
    idempotency_key: str | None,
    agent_slack_user: str | None = None,
    now: datetime | None = None,
) -> Queued:
    """Check the values, then write the message and its outbox row in one transaction.

    TemplateError names the field that is wrong; SendRefused says why nothing can go. The
    same idempotency key a second time (a Slack retry, a double click, an API retry) gives
    back the first message and writes nothing.
    """
    now = now or datetime.now(UTC)
    if idempotency_key:
        earlier = await _earlier(idempotency_key)
        if earlier is not None:
            return Queued(earlier, False)
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    adapter = get_adapter(account.platform)
    if adapter is None or not adapter.has_templates:
        raise SendRefused(no_template_route(account.platform))
    if not account.is_active:
        raise SendRefused("this account is disconnected; reconnect it to send")
    if (
        template_row.workspace_id != account.workspace_id
        or template_row.waba_id != account.parent_external_id
        or template_row.status != "APPROVED"
    ):
        raise SendRefused("this template is not approved for this number (any more)")
    template = as_template(template_row)
    cleaned = wt.check_values(template.variables, values)
    stored = {
        "template": template.name,
        "language": template.language,
        "category": template.category,
        "values": cleaned,
        "send": wt.send_template(template, cleaned),
    }
    try:
        async with in_transaction():
            message = await Message.create(
                workspace_id=conversation.workspace_id,
                platform_account_id=account.id,
                conversation_id=conversation.id,
                platform_message_id=f"{PENDING_PREFIX}{uuid.uuid4()}",
                sender_id=account.external_id,
                sender_name=(agent or account.name)[:200],
                content=wt.render(template, cleaned),
                kind=TEMPLATE_KIND,
                payload=json.dumps(stored),
                is_incoming=False,
                is_read=True,
                status=str(DeliveryStatus.PENDING),
                agent=agent,
                agent_slack_user=agent_slack_user,
                source=source,
                slack_posted=False,
                received_at=now,
            )
            await Outbox.create(
                workspace_id=message.workspace_id,
                message=message,
                idempotency_key=idempotency_key,
            )
            await Conversation.filter(id=conversation.id).update(
                template_sent_at=now, slack_card_stale=True
            )
            await (
                Conversation.filter(id=conversation.id)
                .filter(Q(last_message_at__isnull=True) | Q(last_message_at__lt=now))
                .update(last_message_at=now)
            )
    except IntegrityError:
        earlier = await _earlier(idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return Queued(earlier, False)
    return Queued(message, True)


async def _earlier(key: str) -> Message | None:
    row = await Outbox.get_or_none(idempotency_key=key)
    return await Message.get_or_none(id=row.message_id) if row is not None else None
