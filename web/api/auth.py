"""`/api/auth/*` and `/api/invites`: register, login, refresh, logout, me, invite codes."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from inbox.appkeys import BUS, SETTINGS
from inbox.models import Workspace
from inbox.serialize import invite_dict, user_dict
from inbox.services.conversations import listing
from inbox.services.sessions import api_tokens as tokens
from inbox.services.sessions import users as auth
from inbox.services.sessions.throttle import Throttled
from web.api import schemas
from web.api.common import (
    USER,
    ApiError,
    authenticated,
    client_address,
    page_json,
    paging,
    read_json,
    workspace_id,
)
from web.api.schemas import ref
from web.api.spec import NO_CONTENT, PAGING, Paths, json_answer, operation


def _refused(exc: auth.AuthError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, field=exc.field)


def _throttled(exc: Throttled) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"{exc.reason}; try again in {exc.retry_after} s",
        headers={"Retry-After": str(exc.retry_after)},
    )


async def register(request: web.Request) -> web.Response:
    """Create a user: with an invite code, or a new workspace (first user, or ALLOW_SIGNUP)."""
    body = await read_json(request, schemas.REGISTER)
    try:
        user = await auth.register(
            body["email"],
            body["password"],
            address=client_address(request),
            allow_signup=request.app[SETTINGS].allow_signup,
            name=body.get("name", ""),
            invite_code=body.get("invite_code"),
            workspace_name=body.get("workspace_name"),
        )
    except Throttled as exc:
        raise _throttled(exc) from exc
    except auth.AuthError as exc:
        raise _refused(exc) from exc
    workspace = await Workspace.get(id=user.workspace_id)
    return web.json_response(user_dict(user, workspace), status=201)


async def login(request: web.Request) -> web.Response:
    """Trade email and password for an access token and a refresh token."""
    body = await read_json(request, schemas.LOGIN)
    address = client_address(request)
    try:
        pair = await auth.login(
            body["email"], body["password"], address, request.app[SETTINGS].jwt_secret
        )
    except Throttled as exc:
        raise _throttled(exc) from exc
    except auth.AuthError as exc:
        raise _refused(exc) from exc
    return web.json_response(pair.as_json())


async def refresh(request: web.Request) -> web.Response:
    """A new token pair for a refresh token, which stops working."""
    body = await read_json(request, schemas.REFRESH)
    try:
        pair = await tokens.rotate(
            body["refresh"], request.app[SETTINGS].jwt_secret, bus=request.app[BUS]
        )
    except tokens.TokenError as exc:
        raise ApiError(401, "invalid_token", str(exc), field="refresh") from exc
    return web.json_response(pair.as_json())


async def logout(request: web.Request) -> web.Response:
    """End the session of this refresh token: its access tokens stop working and its
    WebSockets are closed, on every server."""
    body = await read_json(request, schemas.REFRESH)
    await tokens.logout(body["refresh"], bus=request.app[BUS])
    return web.Response(status=204)


@authenticated
async def me(request: web.Request) -> web.Response:
    """The caller and their workspace."""
    user = request[USER]
    workspace = await Workspace.get(id=user.workspace_id)
    return web.json_response(user_dict(user, workspace))


@authenticated
async def create_invite(request: web.Request) -> web.Response:
    """A new invite code into the caller's workspace (owners only)."""
    body = await read_json(request, schemas.INVITE, optional=True)
    try:
        invite = await auth.create_invite(
            request[USER],
            max_uses=body.get("max_uses", 1),
            ttl=timedelta(days=body.get("expires_in_days", 7)),
        )
    except auth.AuthError as exc:
        raise _refused(exc) from exc
    return web.json_response(invite_dict(invite), status=201)


@authenticated
async def list_invites(request: web.Request) -> web.Response:
    """The workspace's invite codes (owners only)."""
    if request[USER].role != "owner":
        raise ApiError(403, "forbidden", "only the workspace owner can see invites")
    limit, cursor = paging(request)
    page = await listing.invites(workspace_id(request), limit, cursor)
    return page_json(page, invite_dict)


def setup(app: web.Application) -> None:
    """Mount the auth and invite routes."""
    app.router.add_post("/api/auth/register", register)
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/auth/refresh", refresh)
    app.router.add_post("/api/auth/logout", logout)
    app.router.add_get("/api/auth/me", me, allow_head=False)
    app.router.add_post("/api/invites", create_invite)
    app.router.add_get("/api/invites", list_invites, allow_head=False)


def operations() -> Paths:
    """The OpenAPI description of these routes."""
    user = json_answer(ref("User"), "The user")
    tokens_answer = json_answer(ref("Tokens"), "The token pair")
    return {
        "/api/auth/register": {
            "post": operation(
                "register",
                "Create a user: join a workspace with an invite code, or (the first user, or "
                "with ALLOW_SIGNUP) open a new workspace",
                "auth",
                {201: json_answer(ref("User"), "The new user")},
                auth=False,
                body=schemas.REGISTER,
                errors=(403, 409, 429),
            )
        },
        "/api/auth/login": {
            "post": operation(
                "login",
                "Email and password for an access token and a refresh token",
                "auth",
                {200: tokens_answer},
                auth=False,
                body=schemas.LOGIN,
                errors=(401, 429),
            )
        },
        "/api/auth/refresh": {
            "post": operation(
                "refresh",
                "A new token pair; the refresh token used stops working",
                "auth",
                {200: tokens_answer},
                auth=False,
                body=schemas.REFRESH,
                errors=(401,),
            )
        },
        "/api/auth/logout": {
            "post": operation(
                "logout",
                "End the session of a refresh token",
                "auth",
                {204: NO_CONTENT},
                auth=False,
                body=schemas.REFRESH,
            )
        },
        "/api/auth/me": {
            "get": operation("me", "The caller and their workspace", "auth", {200: user})
        },
        "/api/invites": {
            "get": operation(
                "listInvites",
                "The workspace's invite codes (owner only)",
                "auth",
                {200: json_answer(ref("InvitePage"), "A page of invites")},
                params=PAGING,
                errors=(403,),
            ),
            "post": operation(
                "createInvite",
                "A new invite code (owner only)",
                "auth",
                {201: json_answer(ref("Invite"), "The invite")},
                body=schemas.INVITE,
                errors=(403,),
            ),
        },
    }
