"""Request ids: taken from X-Request-Id (a proxy's) or made, logged, and sent back."""

from __future__ import annotations

import re
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
