"""The template modal's life: open it for a conversation, redraw it as fields fill, send."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.install.scope import TeamScope
from bot.templates.blocks import (
    Choice,
    conversation_of,
    field_block,
    read_state,
    template_modal,
)
from bot.thread.render import customer_name
from inbox.models import Conversation, PlatformAccount
from inbox.platforms.whatsapp_templates import TemplateError
from inbox.services.sending.outbox import SendRefused
from inbox.services.templates.catalog import approved_for, as_template, find_approved
from inbox.services.templates.sending import Queued, no_template_route, queue_template

log = logging.getLogger(__name__)


class ModalRefused(Exception):
    """The modal cannot be opened or sent; the text says why to the agent."""


@dataclass(frozen=True, slots=True)
class Submitted:
    """A submit's outcome: the queued message, or the errors to show per block."""

    queued: Queued | None = None
    errors: dict[str, str] | None = None


async def _conversation(scope: TeamScope | None, conversation_id: str | None) -> Conversation:
    if scope is None:
        raise ModalRefused("this Slack workspace is not connected to cahts")
    conversation = await scope.conversation(conversation_id or "")
    if conversation is None:
        raise ModalRefused("that conversation is not in this Slack workspace's inbox")
    return conversation


async def _choices(account: PlatformAccount) -> list[Choice]:
    return [Choice(str(row.id), as_template(row)) for row in await approved_for(account)]


async def build_view(
    scope: TeamScope | None,
    conversation_id: str | None,
    picked: str | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The modal for a conversation as it stands: picker, the picked template's fields, preview."""
    conversation = await _conversation(scope, conversation_id)
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    if account.platform != "whatsapp":
        raise ModalRefused(no_template_route(account.platform))
    choices = await _choices(account)
    chosen = next((c for c in choices if c.row_id == picked), None)
    return template_modal(
        conversation_id=str(conversation.id),
        customer=customer_name(
            conversation.participant_name, account.platform, conversation.participant_id
        ),
        choices=choices,
        chosen=chosen,
        values=values,
    )


async def redraw(scope: TeamScope | None, view: Mapping[str, Any]) -> dict[str, Any]:
    """The modal after a pick or a keystroke: same values, new fields and preview."""
    picked, values = read_state(view)
    return await build_view(scope, conversation_of(view), picked, values)


async def submit(
    scope: TeamScope | None, view: Mapping[str, Any], *, agent: str, user_id: str
) -> Submitted:
    """Queue the template once per view (a resent submit, a double click: the same view id)."""
    picked, values = read_state(view)
    try:
        conversation = await _conversation(scope, conversation_of(view))
    except ModalRefused as exc:
        return Submitted(errors={"template": str(exc)})
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    try:
        row_id = uuid.UUID(picked or "")
    except ValueError:
        return Submitted(errors={"template": "Pick a template."})
    row = await find_approved(account, template_id=row_id)
    if row is None:
        return Submitted(errors={"template": "This template is not approved any more."})
    try:
        queued = await queue_template(
            conversation,
            row,
            values,
            agent=agent,
            source="slack_template",
            agent_slack_user=user_id,
            idempotency_key=f"slack-view:{view.get('id') or uuid.uuid4()}"[:128],
        )
    except TemplateError as exc:
        return Submitted(errors={field_block(exc.field): exc.message})
    except SendRefused as exc:
        return Submitted(errors={"template": str(exc)})
    return Submitted(queued=queued)
