"""Slack on the aiohttp app: POST /slack/events (HTTP mode), Socket Mode, file links."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.app import build_bolt_app
from bot.install.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.replies.files import serve_file
from bot.slack.client import slack_client
from inbox.appkeys import SETTINGS
from inbox.httpjson import error_response
from inbox.jsonbody import TooDeepError, parse_json, unstorable

log = logging.getLogger(__name__)

BOLT = web.AppKey("slack_bolt", AsyncApp)
SOCKET_MODE = web.AppKey("slack_socket_mode", AsyncSocketModeHandler)
MAX_CLOCK_SKEW = 60 * 5


def _check_signature(request: web.Request, body: bytes, secret: str) -> web.Response | None:
    """A clear 401 for unsigned, stale or forged requests (Bolt verifies again after us)."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return error_response(
            401, "missing_signature", "X-Slack-Request-Timestamp and X-Slack-Signature are required"
        )
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return error_response(401, "bad_timestamp", "X-Slack-Request-Timestamp is not a number")
    if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
        return error_response(
            401, "stale_request", "the request was signed more than 5 minutes ago (replay?)"
        )
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return error_response(400, "malformed_body", "the body is not UTF-8")
    if not SignatureVerifier(secret).is_valid(text, timestamp, signature):
        return error_response(401, "bad_signature", "the Slack signature does not match the body")
    return None


def _shape_problem(body: bytes, content_type: str) -> str | None:
    """Why a verified body is not something Slack sends (Bolt would fail on it), else None."""
    try:
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode(), keep_blank_values=True)
            if unstorable(form):
                return "the form holds text that cannot be stored (NUL)"
            if "payload" not in form:
                return None if form.get("command") else "a form without payload or command"
            payload = parse_json(form["payload"][0])
        else:
            payload = parse_json(body)
    except TooDeepError as exc:
        return str(exc)
    except ValueError:  # UnicodeDecodeError included
        return "the body is not valid JSON"
    if not isinstance(payload, dict):
        return "the body is not a JSON object"
    if unstorable(payload):
        return "the body holds text that cannot be stored (NUL or a lone surrogate)"
    if payload.get("type") == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event object"
    return None


async def slack_events(request: web.Request) -> web.Response:
    """Events, interactivity and commands from Slack, signed; handed to Bolt."""
    settings = request.app[SETTINGS]
    bolt = request.app.get(BOLT)
    if bolt is None:
        return error_response(
            503,
            "slack_not_configured",
            "Slack is off on this server: set SLACK_BOT_TOKEN or SLACK_CLIENT_ID/SECRET",
        )
    if not settings.slack_signing_secret:
        return error_response(
            404,
            "socket_mode_only",
            "this server takes Slack events over Socket Mode; set SLACK_SIGNING_SECRET for HTTP",
        )
    body = await request.read()
    refused = _check_signature(request, body, settings.slack_signing_secret)
    if refused is not None:
        return refused
    problem = _shape_problem(body, request.content_type)
    if problem is not None:
        return error_response(400, "malformed_body", problem)
    try:
        bolt_request = await to_bolt_request(request)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        # Bolt reads ids from fixed places (user, team, channel…); other shapes break it.
        log.info("Slack request refused, Bolt cannot read it: %s", type(exc).__name__)
        return error_response(400, "malformed_body", "the body is not shaped as Slack sends it")
    response = await bolt.async_dispatch(bolt_request)
    if response.status == 404 and bolt_request.body.get("type") == "event_callback":
        # An event nobody listens to: Slack would retry it, and turn events off after many.
        kind = str((bolt_request.body.get("event") or {}).get("type"))[:64]
        log.warning("no listener for Slack event %s; check the app's event subscriptions", kind)
        return web.json_response({"ok": True, "ignored": f"no listener for {kind} events"})
    return await to_aiohttp_response(response)


async def slack_file(request: web.Request) -> web.StreamResponse:
    """A signed link to a file shared in a thread (how Meta fetches reply attachments)."""
    bolt = request.app.get(BOLT)
    if bolt is None:
        return error_response(404, "not_found", "Slack is off on this server")
    settings = request.app[SETTINGS]
    return await serve_file(request, settings, slack_client(settings))


async def slack_oauth(request: web.Request) -> web.Response:
    """GET /slack/install and /slack/oauth_redirect: installing cahts into a Slack workspace."""
    bolt = request.app.get(BOLT)
    flow = bolt.oauth_flow if bolt is not None else None
    if flow is None:
        return error_response(
            404,
            "oauth_not_configured",
            "Slack installs are off: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
        )
    bolt_request = await to_bolt_request(request)
    if request.path == INSTALL_PATH:
        response = await flow.handle_installation(bolt_request)
    else:
        response = await flow.handle_callback(bolt_request)
    return await to_aiohttp_response(response)


async def _socket_mode(app: web.Application) -> AsyncIterator[None]:
    """Hold a Socket Mode connection while the server runs (reconnecting with backoff)."""
    handler = AsyncSocketModeHandler(app[BOLT], app[SETTINGS].slack_app_token)
    app[SOCKET_MODE] = handler
    connecting = asyncio.create_task(_connect(handler), name="slack-socket-mode")
    yield
    connecting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await connecting
    await handler.close_async()


async def _connect(handler: AsyncSocketModeHandler) -> None:
    delay = 1.0
    while True:
        try:
            await handler.connect_async()
            log.info("connected to Slack over Socket Mode")
            return
        except Exception as exc:
            log.warning("Socket Mode connection failed (%s); retrying in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)


def setup(app: web.Application) -> None:
    """Mount the Slack routes; build Bolt (and Socket Mode) when Slack is configured."""
    settings = app[SETTINGS]
    bolt = build_bolt_app(settings)
    if bolt is not None:
        app[BOLT] = bolt
        if settings.slack_app_token:
            app.cleanup_ctx.append(_socket_mode)
    elif settings.slack_app_token or settings.slack_signing_secret:
        log.warning("neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID/SECRET is set: Slack stays off")
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/slack/files/{token}", slack_file)
    app.router.add_get(INSTALL_PATH, slack_oauth)
    app.router.add_get(REDIRECT_PATH, slack_oauth)
