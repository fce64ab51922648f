"""Request ids (taken from X-Request-Id, a proxy's, or made; logged and sent back) and the
access log."""

from __future__ import annotations

import logging
import re
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from inbox.logs import request_id

HEADER = "X-Request-Id"
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id to everything logged while serving this request."""
    given = request.headers.get(HEADER, "")
    rid = given if _SAFE.match(given) else uuid.uuid4().hex
    token = request_id.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[HEADER] = rid
        raise
    finally:
        request_id.reset(token)
    response.headers[HEADER] = rid
    return response


access_log = logging.getLogger("cahts.access")
# Load balancers poll these every few seconds; a line each would drown the requests.
UNLOGGED = frozenset({"/healthz", "/readyz"})
MAX_LOGGED_PATH = 200
# A path parameter that is a credential (a file link's token) is logged as its route's pattern.
SECRET_PARAMS = ("token", "ticket", "secret")


def logged_path(request: web.Request) -> str:
    """The path as the access log shows it: never a query, never a credential in the path."""
    resource = request.match_info.route.resource
    if resource is not None and any(
        p in name for name in request.match_info for p in SECRET_PARAMS
    ):
        return resource.canonical
    return request.path[:MAX_LOGGED_PATH]


@web.middleware
async def access_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request: method, path (never the query, which may carry tokens), status,
    duration. A WebSocket's line is written when it closes."""
    if request.path in UNLOGGED:
        return await handler(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        duration = round((time.perf_counter() - started) * 1000, 1)
        path = logged_path(request)
        fields = {
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": duration,
        }
        access_log.info(
            "%s %s %s %.1fms", request.method, path, status, duration, extra={"fields": fields}
        )
