"""Platform-facing webhook routes: the verification handshake and signed receipt.

A platform whose bodies are signed with the app secret has one route
(`/api/webhooks/<platform>`); one whose webhooks carry each account's own secret has a route
per account (`/api/webhooks/<platform>/<account id>`), checked against that account's secret.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from typing import Any, TypeVar

from aiohttp import web
from prometheus_client.metrics import MetricWrapperBase
from tortoise.exceptions import BaseORMException, IntegrityError

from inbox import db
from inbox.appkeys import SETTINGS, WRITER
from inbox.httpjson import DB_UNAVAILABLE, error_response
from inbox.jsonbody import TooDeepError, parse_json
from inbox.metrics import INGEST_SECONDS, MESSAGES_STORED, WEBHOOKS
from inbox.platforms.base import PlatformAdapter
from inbox.platforms.events import PayloadError
from inbox.platforms.registry import get_adapter, platform_names
from inbox.platforms.whatsapp_templates import status_changes
from inbox.services.accounts.connections import webhook_secret
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.ingest.pipeline import webhook_item
from inbox.services.templates.catalog import apply_status_changes
from inbox.tasks.templates import refresh_waba_templates

log = logging.getLogger(__name__)

_UNAVAILABLE: tuple[type[BaseException], ...] = (BaseORMException, OSError, *db.UNAVAILABLE)


def _adapter(request: web.Request) -> PlatformAdapter:
    name = request.match_info["platform"]
    adapter = get_adapter(name)
    if adapter is None:
        known = ", ".join(platform_names())
        raise web.HTTPNotFound(text=f"unknown platform {name!r}; known: {known}")
    return adapter


async def verify_subscription(request: web.Request) -> web.Response:
    """The platform's GET handshake: answer what the adapter says, 403 when it refuses."""
    adapter = _adapter(request)
    settings = request.app[SETTINGS]
    answer = adapter.verify_handshake(request.query, settings.meta_verify_token or "")
    if answer is not None:
        return web.Response(text=answer, content_type="text/plain")
    return web.Response(status=403, text="verification failed", content_type="text/plain")


async def receive(request: web.Request) -> web.Response:
    """A signed webhook: 200 only once the body and all it carries are committed."""
    adapter = _adapter(request)
    platform = adapter.name
    body = await request.read()  # read by web.bodies already: in time, within the budget
    response = await _receive(request, adapter, body)
    outcome = "accepted" if response.status == 200 else _REASONS.get(response.status, "error")
    _child(WEBHOOKS, platform, outcome).inc()
    return response


M = TypeVar("M", bound=MetricWrapperBase)
_children: dict[tuple[object, ...], Any] = {}


def _child(metric: M, *labels: str) -> M:
    """metric.labels(*labels), kept: looking the child up took a lock and a tuple per call."""
    key = (metric, *labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


_REASONS = {
    400: "bad_payload",
    401: "missing_signature",
    403: "bad_signature",
    404: "unknown_account",
    503: "unavailable",
}


async def _secret(
    request: web.Request, adapter: PlatformAdapter
) -> tuple[str | None, str] | web.Response:
    """The routed account (account routes) and the secret the header is checked against."""
    settings = request.app[SETTINGS]
    account = request.match_info.get("account")
    if adapter.webhook_route == "platform":
        if account is not None:
            raise web.HTTPNotFound(text=f"{adapter.name} webhooks have one route, without an id")
        if not settings.meta_app_secret:
            return error_response(
                503, "not_configured", "META_APP_SECRET is not set on this server"
            )
        return None, settings.meta_app_secret
    if account is None:
        raise web.HTTPNotFound(text=f"{adapter.name} webhooks are routed per account")
    if not request.headers.get(adapter.signature_header):
        return _missing(adapter)
    cipher = TokenCipher(settings.token_encryption_keys)
    try:
        found = await webhook_secret(adapter.name, account, cipher)
    except _UNAVAILABLE as exc:
        log.warning("webhook for %s not checked, database unavailable: %s", adapter.name, exc)
        return error_response(503, "database_unavailable", DB_UNAVAILABLE)
    if found is None:
        return error_response(404, "unknown_account", "no such active account")
    return found


def _missing(adapter: PlatformAdapter) -> web.Response:
    name = adapter.signature_header
    return error_response(401, "missing_signature", f"{name} header is required")


async def _receive(request: web.Request, adapter: PlatformAdapter, body: bytes) -> web.Response:
    platform = adapter.name
    secret = await _secret(request, adapter)
    if isinstance(secret, web.Response):
        return secret
    account, key = secret
    header = request.headers.get(adapter.signature_header)
    if not header:
        return _missing(adapter)
    if not adapter.verify_signature(body, header, key):
        return error_response(403, "bad_signature", "signature does not match the body")
    try:
        payload = parse_json(body)
    except TooDeepError as exc:
        return error_response(400, "malformed_json", str(exc))
    except ValueError:  # UnicodeDecodeError included
        return error_response(400, "malformed_json", "body is not valid JSON")
    started = time.perf_counter()
    try:
        item = webhook_item(platform, payload, account=account, raw=body)
    except PayloadError as exc:
        return error_response(400, "unexpected_shape", str(exc))
    try:
        result = await request.app[WRITER].submit(item)
    except IntegrityError:
        log.exception("webhook for %s hit an integrity error", platform)
        return error_response(503, "conflict", "concurrent write; retry")
    except _UNAVAILABLE as exc:
        log.warning("webhook for %s not stored, database unavailable: %s", platform, exc)
        return error_response(503, "database_unavailable", DB_UNAVAILABLE)
    _child(INGEST_SECONDS, platform).observe(time.perf_counter() - started)
    if platform == "whatsapp":
        try:
            await _template_statuses(payload)
        except _UNAVAILABLE as exc:
            log.warning("template status not applied, database unavailable: %s", exc)
            return error_response(503, "database_unavailable", DB_UNAVAILABLE)
    if result.skipped:
        log.info("webhook %s skipped: %s", result.log_id, "; ".join(result.skipped)[:500])
    if result.stored:
        _child(MESSAGES_STORED, platform, "webhook").inc(result.stored)
    return web.Response(
        text=_ack(result.stored, result.duplicates), content_type="application/json"
    )


@functools.lru_cache(maxsize=64)
def _ack(stored: int, duplicates: int) -> str:
    """The 200 body; the same few counts come back over and over."""
    return json.dumps({"ok": True, "stored": stored, "duplicates": duplicates})


async def _template_statuses(payload: object) -> None:
    """A paused or disabled template leaves the pickers before Meta gets its 200."""
    changes = status_changes(payload)
    if not changes:
        return
    for waba_id in await apply_status_changes(changes):
        try:
            await refresh_waba_templates.kiq(waba_id)
        except Exception as exc:  # the hourly refresh catches up
            log.warning("could not enqueue the template refresh of %s: %s", waba_id, exc)


def setup(app: web.Application) -> None:
    """Mount the webhook routes."""
    app.router.add_get("/api/webhooks/{platform}", verify_subscription)
    app.router.add_post("/api/webhooks/{platform}", receive)
    app.router.add_post("/api/webhooks/{platform}/{account}", receive)
