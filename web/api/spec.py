"""Building blocks of the OpenAPI document: operations, parameters, error answers."""

from __future__ import annotations

from typing import Any

from inbox.platforms.registry import platform_names
from inbox.services.analytics.reports import MAX_DAYS
from web.api.schemas import ref

JSON = "application/json"
ERRORS = {
    400: "Malformed JSON or a bad query parameter (the field is named)",
    401: "Missing, invalid or expired access token",
    403: "Not allowed for this user's role",
    404: "No such object in the caller's workspace (or no such route)",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "The body fails validation (the field is named)",
    429: "Too many at once (failed logins, exports under way); see Retry-After",
    502: "Meta's Graph API did not answer",
    503: "Not configured or not available on this server",
}
NO_CONTENT = {"description": "Done"}
Paths = dict[str, dict[str, Any]]


def json_answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"description": description, "content": {JSON: {"schema": schema}}}


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
PAGING = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "page size"),
    query("cursor", {"type": "string", "maxLength": 200}, "next_cursor of the previous page"),
]
PLATFORM = query("platform", {"type": "string", "enum": list(platform_names())}, "one platform")
ACCOUNT = query("account", {"type": "string", "format": "uuid"}, "only this platform account")
UNREAD = query("unread", {"type": "boolean"}, "true: unread only; false: read only")
DAYS = query(
    "days",
    {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": 30},
    "the last N days (UTC), today included",
)


def operation(
    op_id: str,
    summary: str,
    tag: str,
    ok: dict[int, dict[str, Any]],
    *,
    auth: bool = True,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | tuple[()] = (),
    errors: tuple[int, ...] = (),
) -> dict[str, Any]:
    """One operation; the error answers its inputs can cause are added (401, 400, 413, 422)."""
    codes = set(errors)
    if auth:
        codes.add(401)
    if body is not None:
        codes |= {400, 413, 422}
    if any(p["in"] == "query" for p in params):
        codes.add(400)
    responses: dict[str, Any] = {str(k): v for k, v in ok.items()}
    for code in sorted(codes):
        responses[str(code)] = json_answer(ref("Error"), ERRORS[code])
    result: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
        "security": [{"bearerAuth": []}] if auth else [],
    }
    if params:
        result["parameters"] = list(params)
    if body is not None:
        result["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    return result
