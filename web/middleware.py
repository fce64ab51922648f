"""The one middleware every request goes through: its id, its body, its errors, its log line."""

from __future__ import annotations

import logging
import re
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from inbox.ids import fresh_uuid
from inbox.logs import request_id
from web import bodies
from web.errors import answer_error

HEADER = "X-Request-Id"
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


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
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What every request goes through, in one layer (each layer costs every request a call):

    - a request id (X-Request-Id, a proxy's, or made) bound to everything logged meanwhile
      and sent back;
    - the body read whole, in time and within the budget, before the handler (web.bodies);
    - errors answered as JSON, never a traceback (web.errors);
    - one access-log line: method, path (never the query, which may carry tokens), status,
      duration. A WebSocket's line is written when it closes.
    """
    given = request.headers.get(HEADER, "")
    rid = given if given and _SAFE.match(given) else fresh_uuid().hex
    token = request_id.set(rid)
    started = time.perf_counter()
    status = 500
    reserved = 0
    try:
        try:
            refused, reserved = await bodies.read_body(request)
            response = refused if refused is not None else await handler(request)
        except Exception as exc:  # HTTP exceptions included: answered as JSON, or raised
            response = answer_error(request, exc)
        status = response.status
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[HEADER] = rid
        raise
    finally:
        bodies.give_back(request, reserved)
        if request.path not in UNLOGGED and access_log.isEnabledFor(logging.INFO):
            _log_line(request, status, started)
        request_id.reset(token)
    response.headers[HEADER] = rid
    return response


def _log_line(request: web.Request, status: int, started: float) -> None:
    duration = round((time.perf_counter() - started) * 1000, 1)
    path = logged_path(request)
    fields = {"method": request.method, "path": path, "status": status, "duration_ms": duration}
    access_log.info(
        "%s %s %s %.1fms", request.method, path, status, duration, extra={"fields": fields}
    )
