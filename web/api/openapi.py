"""The OpenAPI 3.1 document of every /api route, served at /api/openapi.json.

Each view module describes its own routes (`operations()`, next to `setup()`); the webhook
routes, mounted by bridge/, are described here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web

from inbox.platforms.registry import adapters
from web.api import analytics, auth, catalog, messages, platforms, templates
from web.api.schemas import COMPONENTS
from web.api.spec import ERRORS, Paths, json_answer, operation, query

_TEXT: dict[str, Any] = {"text/plain": {"schema": {"type": "string"}}}


def _webhooks() -> Paths:
    platform = {
        "name": "platform",
        "in": "path",
        "required": True,
        "schema": {
            "type": "string",
            "enum": [n for n, a in adapters().items() if a.webhook_route == "platform"],
        },
    }
    signature = {
        "name": "X-Hub-Signature-256",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "sha256=<hex HMAC-SHA256 of the raw body with the app secret>",
    }
    receive = operation(
        "webhookReceive",
        "A signed webhook from Meta (stored exactly once)",
        "webhooks",
        {200: json_answer({"type": "object"}, "Stored (or a duplicate)")},
        auth=False,
        params=[platform, signature],
        body={"type": "object"},
        errors=(401, 403, 404, 503),
    )
    receive["responses"].pop("422")
    routed = [a for a in adapters().values() if a.webhook_route == "account"]
    account_receive = operation(
        "webhookReceiveRouted",
        "A webhook of one account, carrying that account's own secret in a header "
        + ", ".join(f"({a.label}: {a.signature_header})" for a in routed),
        "webhooks",
        {200: json_answer({"type": "object"}, "Stored (or a duplicate)")},
        auth=False,
        params=[
            {**platform, "schema": {"type": "string", "enum": [a.name for a in routed]}},
            {"name": "account", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        body={"type": "object"},
        errors=(401, 403, 404, 503),
    )
    account_receive["responses"].pop("422")
    return {
        "/api/webhooks/{platform}/{account}": {"post": account_receive},
        "/api/webhooks/{platform}": {
            "get": operation(
                "webhookVerify",
                "Meta's subscription handshake: echoes hub.challenge",
                "webhooks",
                {
                    200: {"description": "The challenge", "content": _TEXT},
                    403: {"description": "Verification failed", "content": _TEXT},
                },
                auth=False,
                params=[
                    platform,
                    query("hub.mode", {"type": "string"}, "subscribe"),
                    query("hub.verify_token", {"type": "string"}, "META_VERIFY_TOKEN"),
                    query("hub.challenge", {"type": "string"}, "echoed back"),
                ],
                errors=(404,),
            ),
            "post": receive,
        },
    }


def _paths() -> Paths:
    paths: Paths = {}
    for part in (
        auth.operations(),
        catalog.operations(),
        platforms.operations(),
        messages.operations(),
        templates.operations(),
        analytics.operations(),
        _webhooks(),
    ):
        paths.update(part)
    paths["/api/openapi.json"] = {
        "get": operation(
            "openapi",
            "This document",
            "meta",
            {200: json_answer({"type": "object"}, "OpenAPI 3.1")},
            auth=False,
        )
    }
    return paths


@cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cahts API",
            "version": "1.0.0",
            "description": (
                "The social inbox (Instagram, Messenger, WhatsApp) for dashboards and scripts. "
                "Log in with POST /api/auth/login and send `Authorization: Bearer <access>`. "
                'Errors are `{"error": {"code", "message", "field"?}}`. Lists are '
                '`{"items", "next_cursor"}`; pass `?cursor=` for the next page. '
                f"Error statuses: {', '.join(map(str, ERRORS))}."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": t} for t in ("auth", "platforms", "messages", "analytics", "webhooks", "meta")
        ],
        "paths": _paths(),
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


async def serve(request: web.Request) -> web.Response:
    """GET /api/openapi.json."""
    return web.json_response(document())


def setup(app: web.Application) -> None:
    """Mount the document."""
    app.router.add_get("/api/openapi.json", serve, allow_head=False)
