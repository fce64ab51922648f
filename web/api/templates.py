"""WhatsApp templates over REST: a number's approved templates, and sending one."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from inbox.appkeys import BUS
from inbox.events import NewMessage
from inbox.models import Conversation, PlatformAccount, WhatsAppTemplate
from inbox.platforms import whatsapp_templates as wt
from inbox.serialize import message_dict
from inbox.services.sending.outbox import SendRefused
from inbox.services.templates.catalog import approved_for, as_template, find_approved
from inbox.services.templates.sending import no_template_route, queue_template
from inbox.tasks.sending import enqueue_sends
from web.api.common import USER, ApiError, authenticated, not_found, path_id, workspace_id
from web.api.schemas import ref
from web.api.spec import ID, Paths, json_answer, operation


def template_dict(row: WhatsAppTemplate) -> dict[str, Any]:
    """An approved template with its variables, as the API and the dashboard show it."""
    template = as_template(row)
    return {
        "id": str(row.id),
        "name": row.name,
        "language": row.language,
        "category": row.category,
        "status": row.status,
        "parameter_format": row.parameter_format,
        "variables": [
            {"field": v.field, "component": v.component, "key": v.key, "example": v.example}
            for v in template.variables
        ],
        "components": row.components,
        "preview": wt.render(template, {}),
    }


@authenticated
async def list_templates(request: web.Request) -> web.Response:
    """The number's approved templates (Messenger and Instagram have none: an empty list)."""
    account = await PlatformAccount.get_or_none(
        id=path_id(request, "id", "account"), workspace_id=workspace_id(request)
    )
    if account is None:
        raise not_found("account")
    rows = await approved_for(account)
    return web.json_response({"items": [template_dict(r) for r in rows]})


async def send_template(request: web.Request, body: dict[str, Any]) -> web.Response:
    """The messages route's template send: checked against the stored template first."""
    for other in ("text", "attachments"):
        if other in body:
            raise ApiError(422, "invalid", f"{other}: not with a template", field=other)
    wid = workspace_id(request)
    conversation = await Conversation.get_or_none(
        id=uuid.UUID(body["conversation_id"]), workspace_id=wid
    )
    if conversation is None:
        raise ApiError(
            404, "not_found", "conversation_id: no such conversation", field="conversation_id"
        )
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    if account.platform != "whatsapp":
        raise ApiError(409, "send_refused", no_template_route(account.platform))
    asked = body["template"]
    row = await find_approved(account, name=asked["name"], language=asked["language"])
    if row is None:
        raise ApiError(
            422,
            "invalid",
            f"template.name: no approved template {asked['name']!r} in {asked['language']!r} "
            "for this number",
            field="template.name",
        )
    key = body.get("idempotency_key")
    user = request[USER]
    try:
        queued = await queue_template(
            conversation,
            row,
            asked.get("parameters") or {},
            agent=user.name or user.email,
            source="api",
            idempotency_key=f"api:{wid}:{key}" if key else None,
        )
    except wt.TemplateError as exc:
        field = f"template.parameters.{exc.field}"
        raise ApiError(422, "invalid", f"{field}: {exc.message}", field=field) from exc
    except SendRefused as exc:
        raise ApiError(409, "send_refused", str(exc)) from exc
    message = queued.message
    if queued.created:
        await enqueue_sends([message])
        fresh = await Conversation.get(id=conversation.id)
        await request.app[BUS].publish(NewMessage.of(message, fresh, account.platform))
    shown = message_dict(message, account.platform)
    return web.json_response(
        {**shown, "messages": [shown]},
        status=201 if queued.created else 200,
        headers={"Location": f"/api/messages/{message.id}"},
    )


def setup(app: web.Application) -> None:
    """Mount the template routes."""
    app.router.add_get("/api/platforms/{id}/templates", list_templates, allow_head=False)


def operations() -> Paths:
    """The OpenAPI description of these routes."""
    return {
        "/api/platforms/{id}/templates": {
            "get": operation(
                "listTemplates",
                "A WhatsApp number's approved message templates, with their variables",
                "platforms",
                {200: json_answer(ref("TemplateList"), "Approved templates")},
                params=[ID],
                errors=(404,),
            )
        }
    }
