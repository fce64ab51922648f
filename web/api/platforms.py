"""`/api/platforms`: list, connect (Facebook Login or WhatsApp token), disconnect, sync."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.accounts.connect import report_oauth
from inbox.appkeys import BUS, SETTINGS
from inbox.models import OAuthState, PlatformAccount
from inbox.serialize import account_dict
from inbox.services.accounts import connections, meta_oauth
from inbox.services.conversations import listing
from inbox.tasks.templates import list_templates_soon
from web.api import schemas
from web.api.common import (
    API_CIPHER,
    API_GRAPH,
    USER,
    ApiError,
    authenticated,
    not_found,
    page_json,
    paging,
    path_id,
    query_bool,
    read_json,
    storable,
    workspace_id,
)
from web.api.schemas import ref
from web.api.spec import ID, NO_CONTENT, PAGING, Paths, json_answer, operation, query

log = logging.getLogger(__name__)
DASHBOARD_PLATFORMS = "/#/platforms"
SYNC_TASK = "sync_account"
# The browser that starts a Facebook Login keeps this nonce; the callback needs it back.
BROWSER_COOKIE = "cahts_oauth_browser"
COOKIE_PATH = "/api/platforms"


async def kick_sync(account_id: uuid.UUID) -> bool:
    """Queue the worker's sync task for one account; False when this build has none."""
    from taskiq import InMemoryBroker
    from taskiq.kicker import AsyncKicker

    from inbox.tasks.broker import broker

    task = broker.find_task(SYNC_TASK)
    if task is not None:
        await task.kiq(str(account_id))
        return True
    if isinstance(broker, InMemoryBroker):
        return False
    # A separate worker process may provide the task even if this server never imported it.
    kicker: AsyncKicker[[str], Any] = AsyncKicker(task_name=SYNC_TASK, broker=broker, labels={})
    await kicker.kiq(str(account_id))
    return True


@authenticated
async def list_platforms(request: web.Request) -> web.Response:
    """The workspace's accounts (tokens never included); `?active=` filters."""
    limit, cursor = paging(request)
    active = query_bool(request, "active")
    page = await listing.accounts(workspace_id(request), active, limit, cursor)
    return page_json(page, account_dict)


def _browser_of(request: web.Request) -> str:
    """This browser's nonce (kept, so flows in two tabs both work), or a new one."""
    value = request.cookies.get(BROWSER_COOKIE)
    return (
        value if value is not None and meta_oauth.valid_browser(value) else meta_oauth.new_browser()
    )


def _remember_browser(response: web.StreamResponse, request: web.Request, browser: str) -> None:
    """Set the nonce cookie; Lax, so Facebook's redirect back (a top-level GET) carries it."""
    response.set_cookie(
        BROWSER_COOKIE,
        browser,
        path=COOKIE_PATH,
        max_age=int(meta_oauth.STATE_TTL.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.app[SETTINGS].public_url.startswith("https://"),
    )


def _require_meta_app(request: web.Request) -> None:
    settings = request.app[SETTINGS]
    if not (settings.meta_app_id and settings.meta_app_secret):
        raise ApiError(
            503,
            "not_configured",
            "META_APP_ID and META_APP_SECRET must be set to connect with Facebook Login",
        )


def _oauth_connect(platform: str) -> Handler:
    @authenticated
    async def connect(request: web.Request) -> web.Response:
        _require_meta_app(request)
        settings = request.app[SETTINGS]
        browser = _browser_of(request)
        state = await meta_oauth.create_state(request[USER], platform, settings.jwt_secret, browser)
        expires = datetime.now(UTC) + meta_oauth.STATE_TTL
        response = web.json_response(
            {
                "url": meta_oauth.dialog_url(settings, platform, state),
                "expires_at": expires.isoformat(),
            }
        )
        _remember_browser(response, request, browser)
        return response

    connect.__doc__ = f"The Facebook Login URL that connects {platform} accounts."
    return connect


async def oauth_start(request: web.Request) -> web.Response:
    """`/inbox connect`'s link: bind its ticket to this browser, then go to Facebook Login."""
    _require_meta_app(request)
    settings = request.app[SETTINGS]
    ticket = request.query.get("ticket", "")
    if not ticket:
        raise ApiError(400, "invalid_ticket", "ticket: is required", field="ticket")
    browser = _browser_of(request)
    try:
        platform, state = await meta_oauth.redeem_ticket(ticket, settings.jwt_secret, browser)
    except meta_oauth.StateError as exc:
        raise ApiError(400, "invalid_ticket", str(exc), field="ticket") from exc
    found = web.HTTPFound(
        meta_oauth.dialog_url(settings, platform, state),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
    _remember_browser(found, request, browser)
    raise found


def _back_to_dashboard(request: web.Request, **params: str) -> web.HTTPFound:
    base = request.app[SETTINGS].public_url + DASHBOARD_PLATFORMS
    return web.HTTPFound(f"{base}?{urlencode(params)}" if params else base)


async def _back(
    request: web.Request,
    row: OAuthState,
    accounts: list[PlatformAccount] | None = None,
    **params: str,
) -> web.HTTPFound:
    """Where the flow began: Slack (told the outcome) for `/inbox connect`, else the dashboard."""
    if row.slack_user:
        settings = request.app[SETTINGS]
        url = await report_oauth(settings, row, accounts or [], params.get("error"))
        return web.HTTPFound(url)
    return _back_to_dashboard(request, **params)


async def oauth_callback(request: web.Request) -> web.Response:
    """Facebook sends the browser back here: check `state` and this browser's cookie, connect,
    go back to the dashboard (or Slack)."""
    settings = request.app[SETTINGS]
    state = request.query.get("state", "")
    if not state:
        raise ApiError(400, "invalid_state", "state: is required", field="state")
    try:
        row = await meta_oauth.consume_state(
            state, settings.jwt_secret, request.cookies.get(BROWSER_COOKIE)
        )
    except meta_oauth.BrowserError as exc:
        raise ApiError(400, "invalid_browser", str(exc), field="state") from exc
    except meta_oauth.StateError as exc:
        raise ApiError(400, "invalid_state", str(exc), field="state") from exc
    if request.query.get("error"):
        raise await _back(request, row, error="the Facebook Login was cancelled")
    code = request.query.get("code", "")
    if not code or len(code) > 4096 or not storable(code):
        raise await _back(request, row, error="Facebook sent no usable login code")
    try:
        accounts, problems = await connections.complete_oauth(
            row,
            code,
            settings=settings,
            graph=request.app[API_GRAPH],
            cipher=request.app[API_CIPHER],
            bus=request.app[BUS],
        )
    except meta_oauth.OAuthError as exc:
        raise await _back(request, row, error=str(exc)) from exc
    result = {"connected": str(len(accounts)), "platform": row.platform}
    if problems:
        result["error"] = "; ".join(problems)[:500]
    raise await _back(request, row, accounts, **result)


@authenticated
async def connect_whatsapp(request: web.Request) -> web.Response:
    """Connect a WhatsApp number with its token, after Meta confirms both."""
    body = await read_json(request, schemas.WHATSAPP_CONNECT)
    try:
        account, created = await connections.connect_whatsapp(
            workspace_id=workspace_id(request),
            user_id=request[USER].id,
            phone_number_id=body["phone_number_id"],
            token=body["access_token"],
            waba_id=body.get("waba_id"),
            name=body.get("name"),
            graph=request.app[API_GRAPH],
            cipher=request.app[API_CIPHER],
            bus=request.app[BUS],
        )
    except connections.ConnectError as exc:
        raise ApiError(exc.status, exc.code, exc.message, field=exc.field) from exc
    await list_templates_soon(account)
    return web.json_response(account_dict(account), status=201 if created else 200)


async def _account(request: web.Request) -> PlatformAccount:
    account_id = path_id(request, "id", "platform account")
    account = await PlatformAccount.get_or_none(id=account_id, workspace_id=workspace_id(request))
    if account is None:
        raise not_found("platform account")
    return account


@authenticated
async def disconnect(request: web.Request) -> web.Response:
    """Unsubscribe and deactivate an account; its conversations and messages stay."""
    account = await _account(request)
    await connections.disconnect(
        account,
        graph=request.app[API_GRAPH],
        cipher=request.app[API_CIPHER],
        bus=request.app[BUS],
    )
    return web.Response(status=204)


@authenticated
async def sync(request: web.Request) -> web.Response:
    """Ask the workers to fetch what webhooks may have missed for this account."""
    account = await _account(request)
    if not account.is_active:
        raise ApiError(409, "disconnected", "this account is disconnected; reconnect it first")
    if not await kick_sync(account.id):
        raise ApiError(503, "sync_unavailable", "no sync task is available on this server")
    return web.json_response({"status": "queued", "account_id": str(account.id)}, status=202)


def setup(app: web.Application) -> None:
    """Mount the platform routes."""
    app.router.add_get("/api/platforms", list_platforms, allow_head=False)
    app.router.add_get("/api/platforms/callback", oauth_callback, allow_head=False)
    app.router.add_get(meta_oauth.START_PATH, oauth_start, allow_head=False)
    for platform in meta_oauth.OAUTH_PLATFORMS:
        app.router.add_post(f"/api/platforms/{platform}/connect", _oauth_connect(platform))
    app.router.add_post("/api/platforms/whatsapp/connect", connect_whatsapp)
    app.router.add_delete("/api/platforms/{id}", disconnect)
    app.router.add_post("/api/platforms/{id}/sync", sync)


def operations() -> Paths:
    """The OpenAPI description of these routes."""
    paths: Paths = {
        "/api/platforms": {
            "get": operation(
                "listPlatforms",
                "Connected accounts (tokens are never returned)",
                "platforms",
                {200: json_answer(ref("AccountPage"), "A page of accounts")},
                params=[*PAGING, query("active", {"type": "boolean"}, "filter on is_active")],
            )
        },
        "/api/platforms/callback": {
            "get": operation(
                "oauthCallback",
                "Facebook Login returns here; redirects to the dashboard (#/platforms) with "
                "`connected=N` or `error=...`, or, when `/inbox connect` started it, back into "
                "Slack (the outcome is said there). Only the browser that started the flow "
                f"(its `{BROWSER_COOKIE}` cookie) is accepted: another browser gets a 400 "
                "`invalid_browser` and nothing is connected",
                "platforms",
                {302: {"description": "Back to the dashboard, or to Slack"}},
                auth=False,
                params=[
                    query("state", {"type": "string"}, "the state of the connect call"),
                    query("code", {"type": "string"}, "Facebook's login code"),
                    query("error", {"type": "string"}, "set when the user cancelled"),
                ],
            )
        },
        meta_oauth.START_PATH: {
            "get": operation(
                "oauthStart",
                "The link `/inbox connect` answers with: binds its single-use ticket to this "
                f"browser (the `{BROWSER_COOKIE}` cookie) and redirects to Facebook Login",
                "platforms",
                {302: {"description": "To Facebook Login"}},
                auth=False,
                params=[query("ticket", {"type": "string"}, "the ticket of the Slack link")],
                errors=(503,),
            )
        },
        "/api/platforms/whatsapp/connect": {
            "post": operation(
                "connectWhatsapp",
                "Connect a WhatsApp number (checked with Meta first)",
                "platforms",
                {
                    200: json_answer(ref("Account"), "The account was already here: updated"),
                    201: json_answer(ref("Account"), "Connected"),
                },
                body=schemas.WHATSAPP_CONNECT,
                errors=(409, 502),
            )
        },
        "/api/platforms/{id}": {
            "delete": operation(
                "disconnectPlatform",
                "Unsubscribe and deactivate; history is kept",
                "platforms",
                {204: NO_CONTENT},
                params=[ID],
                errors=(404,),
            )
        },
        "/api/platforms/{id}/sync": {
            "post": operation(
                "syncPlatform",
                "Fetch what webhooks may have missed (runs in the worker)",
                "platforms",
                {202: json_answer(ref("SyncQueued"), "Queued")},
                params=[ID],
                errors=(404, 409, 503),
            )
        },
    }
    for platform in meta_oauth.OAUTH_PLATFORMS:
        paths[f"/api/platforms/{platform}/connect"] = {
            "post": operation(
                f"connect{platform.title()}",
                f"The Facebook Login URL that connects {platform} accounts "
                "(the `state` in it is single-use, lasts 10 minutes and works only in the "
                f"browser that made this call: the answer sets the `{BROWSER_COOKIE}` cookie)",
                "platforms",
                {200: json_answer(ref("ConnectUrl"), "Open the URL in the browser")},
                errors=(503,),
            )
        }
    return paths
