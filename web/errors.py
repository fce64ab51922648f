"""Turn every error into the JSON error shape; never leak a traceback (see web.middleware)."""

from __future__ import annotations

import logging

from aiohttp import web

from inbox import db
from inbox.httpjson import DB_UNAVAILABLE, error_response

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def answer_error(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The JSON answer to an error a handler raised; what needs none (a redirect, an answer
    that is JSON already) is raised again."""
    if isinstance(exc, web.HTTPException):
        if exc.status < 400 or exc.content_type == "application/json":
            raise exc
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        response = error_response(exc.status, _CODES.get(exc.status, "error"), message)
        if isinstance(exc, web.HTTPMethodNotAllowed):
            response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        return response
    if isinstance(exc, db.UNAVAILABLE):
        log.warning("%s %s: database unavailable (%s)", request.method, request.path, exc)
        return error_response(503, "database_unavailable", DB_UNAVAILABLE)
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "internal", "internal server error")
