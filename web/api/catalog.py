"""What the dashboard knows of each platform, from its adapter; and the generic connect form.

Label, colour, icon and connect form of every platform come from the adapter registry, so
the dashboard lists no platforms of its own. A platform whose adapter declares
`connect_fields` is connected with `POST /api/platforms/<name>/connect` and those fields.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from inbox.appkeys import BUS, SETTINGS
from inbox.platforms.base import PlatformAdapter
from inbox.platforms.registry import adapters
from inbox.serialize import account_dict
from inbox.services.accounts import connections
from web.api.common import API_CIPHER, API_GRAPH, USER, ApiError, authenticated, read_json
from web.api.common import workspace_id as workspace_of
from web.api.schemas import ref
from web.api.spec import Paths, json_answer, operation

_LOGO_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=86400",
}


def icon_url(adapter: PlatformAdapter) -> str:
    """The dashboard's picture of the platform: the adapter's own logo, else the static one."""
    if adapter.logo_svg:
        return f"/api/platforms/{adapter.name}/logo.svg"
    return f"/static/icons/{adapter.name}.svg"


def describe(adapter: PlatformAdapter) -> dict[str, Any]:
    """One platform as the dashboard shows it."""
    return {
        "name": adapter.name,
        "label": adapter.label,
        "color": adapter.color,
        "icon_url": icon_url(adapter),
        "connect_method": adapter.connect_method,
        "connect_fields": [
            {
                "name": f.name,
                "label": f.label,
                "hint": f.hint,
                "secret": f.secret,
                "optional": f.optional,
                "max_length": f.max_length,
            }
            for f in adapter.connect_fields
        ],
        "reply_window_hours": adapter.window.total_seconds() / 3600 if adapter.window else None,
        "receipts": adapter.receipts,
        "note": adapter.card_note,
    }


@authenticated
async def catalog(request: web.Request) -> web.Response:
    """Every platform this cahts knows, with how to show and connect it."""
    return web.json_response({"items": [describe(a) for a in adapters().values()]})


async def logo(request: web.Request) -> web.Response:
    """A platform's logo from its adapter (public: the login page shows none, pages do)."""
    adapter = adapters().get(request.match_info["platform"])
    svg = adapter.logo_svg if adapter is not None else None
    if not svg:
        raise web.HTTPNotFound(text="no such logo")
    return web.Response(text=svg, content_type="image/svg+xml", headers=_LOGO_HEADERS)


def form_schema(adapter: PlatformAdapter) -> dict[str, Any]:
    """The JSON schema of a platform's connect form."""
    properties: dict[str, Any] = {
        f.name: {"type": "string", "minLength": 1, "maxLength": f.max_length, "description": f.hint}
        for f in adapter.connect_fields
    }
    properties["name"] = {"type": "string", "minLength": 1, "maxLength": 200}
    return {
        "type": "object",
        "required": [f.name for f in adapter.connect_fields if not f.optional],
        "properties": properties,
        "additionalProperties": False,
    }


def _form_connect(adapter: PlatformAdapter) -> Handler:
    @authenticated
    async def connect(request: web.Request) -> web.Response:
        """Connect an account with the platform's form, after the platform accepts it."""
        body = await read_json(request, form_schema(adapter))
        try:
            account, created = await connections.connect_form(
                adapter.name,
                {k: str(v).strip() for k, v in body.items()},
                workspace_id=workspace_of(request),
                user_id=request[USER].id,
                public_url=request.app[SETTINGS].public_url,
                graph=request.app[API_GRAPH],
                cipher=request.app[API_CIPHER],
                bus=request.app[BUS],
            )
        except connections.ConnectError as exc:
            raise ApiError(exc.status, exc.code, exc.message, field=exc.field) from exc
        return web.json_response(account_dict(account), status=201 if created else 200)

    return connect


def form_platforms() -> list[PlatformAdapter]:
    """Platforms connected with a generic form."""
    return [a for a in adapters().values() if a.connect_fields]


def setup(app: web.Application) -> None:
    """Mount the catalogue, the logos and one connect route per form platform."""
    app.router.add_get("/api/platforms/catalog", catalog, allow_head=False)
    app.router.add_get("/api/platforms/{platform}/logo.svg", logo, allow_head=False)
    for adapter in form_platforms():
        app.router.add_post(f"/api/platforms/{adapter.name}/connect", _form_connect(adapter))


def operations() -> Paths:
    """The OpenAPI description of these routes."""
    paths: Paths = {
        "/api/platforms/catalog": {
            "get": operation(
                "platformCatalog",
                "Every platform this cahts knows: label, colour, icon, connect form, window",
                "platforms",
                {200: json_answer({"type": "object"}, "The platforms")},
            )
        },
        "/api/platforms/{platform}/logo.svg": {
            "get": operation(
                "platformLogo",
                "A platform's logo (SVG) when its adapter has one",
                "platforms",
                {200: {"description": "The logo", "content": {"image/svg+xml": {}}}},
                auth=False,
                params=[
                    {
                        "name": "platform",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": sorted(adapters())},
                    }
                ],
                errors=(404,),
            )
        },
    }
    for adapter in form_platforms():
        paths[f"/api/platforms/{adapter.name}/connect"] = {
            "post": operation(
                f"connect{adapter.label.replace(' ', '')}",
                f"Connect a {adapter.label} account (checked with {adapter.label} first)",
                "platforms",
                {
                    200: json_answer(ref("Account"), "The account was already here: updated"),
                    201: json_answer(ref("Account"), "Connected"),
                },
                body=form_schema(adapter),
                errors=(409, 502),
            )
        }
    return paths
