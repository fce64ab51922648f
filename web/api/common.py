"""What every API view shares: JSON errors, bearer auth, body validation, query parameters."""

from __future__ import annotations

import functools
import ipaddress
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from inbox import logs
from inbox.appkeys import SETTINGS
from inbox.graph import GraphClient
from inbox.jsonbody import TooDeepError, parse_json
from inbox.models import User
from inbox.pagination import DEFAULT_LIMIT, MAX_LIMIT, MIN_LIMIT, CursorError, Page, decode_cursor
from inbox.platforms.registry import platform_names
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sessions.api_tokens import TokenError, authenticate
from inbox.settings import option

API_GRAPH = web.AppKey("api_graph", GraphClient)
API_CIPHER = web.AppKey("api_cipher", TokenCipher)
USER = web.RequestKey("user", User)
MAX_JSON_BYTES = 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(web.HTTPException):
    """An HTTP error with the API's JSON body `{"error": {"code", "message", "field"?}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status_code = status
        error: dict[str, str] = {"code": code, "message": message}
        if field is not None:
            error["field"] = field
        super().__init__(
            text=json.dumps({"error": error}), content_type="application/json", headers=headers
        )


def not_found(what: str) -> ApiError:
    """The one answer for "does not exist" and "belongs to another workspace"."""
    return ApiError(404, "not_found", f"no such {what}")


def authenticated(handler: Handler) -> Handler:
    """Require a valid access token; the user is then `request[USER]`."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401,
                "unauthorized",
                "an `Authorization: Bearer <access token>` header is required",
                headers={"WWW-Authenticate": 'Bearer realm="cahts"'},
            )
        try:
            user = await authenticate(token.strip(), request.app[SETTINGS].jwt_secret)
        except TokenError as exc:
            raise ApiError(
                401,
                "invalid_token",
                str(exc),
                headers={"WWW-Authenticate": 'Bearer realm="cahts", error="invalid_token"'},
            ) from exc
        request[USER] = user
        bound = logs.workspace_id.set(str(user.workspace_id))
        try:
            return await handler(request)
        finally:
            logs.workspace_id.reset(bound)

    wrapper.authenticated = True  # type: ignore[attr-defined]  # a mark the OpenAPI test reads
    return wrapper


def client_address(request: web.Request) -> str:
    """The caller's address: the TCP peer, or with TRUSTED_PROXY_HOPS=n the address the
    n-th proxy in front of us saw (from the right of X-Forwarded-For, which proxies append)."""
    peer = request.remote or "unknown"
    raw = option("TRUSTED_PROXY_HOPS") or "0"
    hops = int(raw) if raw.isascii() and raw.isdigit() else 0
    if hops <= 0:
        return peer  # X-Forwarded-For is the client's own words here: never read
    # Every header line counts: a proxy that adds a line of its own must not leave the
    # client's first line to be read alone.
    lines = request.headers.getall("X-Forwarded-For", [])
    forwarded = [a.strip() for line in lines for a in line.split(",") if a.strip()]
    if len(forwarded) < hops:
        return peer
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return peer  # not an address: no proxy of ours wrote it


def workspace_id(request: web.Request) -> uuid.UUID:
    """The caller's workspace: every query is scoped to it."""
    return request[USER].workspace_id


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    key = id(schema)
    if key not in _VALIDATORS:
        Draft202012Validator.check_schema(schema)
        _VALIDATORS[key] = Draft202012Validator(schema)
    return _VALIDATORS[key]


def _explain(error: ValidationError, schema: dict[str, Any]) -> tuple[str, str]:
    """(field, words) for the most relevant validation error, never echoing the value."""
    path = [str(p) for p in error.absolute_path]
    value: Any = error.validator_value
    kind = error.validator
    if kind == "required":
        missing = [p for p in value if isinstance(error.instance, dict) and p not in error.instance]
        return ".".join([*path, missing[0] if missing else "?"]), "is required"
    if kind == "additionalProperties":
        properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        known = set(properties)
        instance: Any = error.instance
        extra = sorted(k for k in instance if k not in known)
        return ".".join([*path, extra[0] if extra else "?"]), "is not a known field"
    listed = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    templates = {
        "type": "must be of type {}",
        "minLength": "must be at least {} characters",
        "maxLength": "must be at most {} characters",
        "minimum": "must be at least {}",
        "maximum": "must be at most {}",
        "enum": "must be one of: {}",
        "minItems": "must hold at least {} item(s)",
        "maxItems": "must hold at most {} item(s)",
        "pattern": "has the wrong format",
        "format": "must be a valid {}",
    }
    words = templates.get(str(kind), "is not valid").format(
        listed.replace(", ", " or ", 1) if kind == "type" else listed
    )
    return ".".join(path) or "body", words


async def read_json(
    request: web.Request, schema: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    """The request body as a JSON object checked against `schema` (400 / 413 / 422).

    With `optional`, an empty body counts as `{}`.
    """
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", f"the body is over {MAX_JSON_BYTES} bytes")
    raw = await request.read()
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", f"the body is over {MAX_JSON_BYTES} bytes")
    if not raw.strip() and not optional:
        raise ApiError(400, "bad_request", "a JSON body is required", field="body")
    try:
        body = parse_json(raw) if raw.strip() else {}
    except TooDeepError as exc:
        raise ApiError(400, "malformed_json", f"the body is {exc}", field="body") from exc
    except ValueError as exc:  # UnicodeDecodeError included
        raise ApiError(400, "malformed_json", "the body is not valid JSON", field="body") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object", field="body")
    bad = _unstorable(body)
    if bad is not None:
        raise ApiError(
            422, "invalid", f"{bad}: contains characters that cannot be stored", field=bad
        )
    error = best_match(_validator(schema).iter_errors(body))
    if error is not None:
        field, words = _explain(error, schema)
        raise ApiError(422, "invalid", f"{field}: {words}", field=field)
    return body


def storable(text: str) -> bool:
    """Text PostgreSQL can hold: valid UTF-8 (no lone surrogates) and no NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) that cannot be stored, if any."""
    if isinstance(value, str):
        return None if storable(value) else path or "body"
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if not storable(key):
                return path or "body"
            found = _unstorable(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _bad_query(name: str, words: str) -> ApiError:
    return ApiError(400, "bad_request", f"{name}: {words}", field=name)


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 12:
        raise _bad_query(name, "must be an integer")
    value = int(raw)
    if not low <= value <= high:
        raise _bad_query(name, f"must be between {low} and {high}")
    return value


def query_bool(request: web.Request, name: str) -> bool | None:
    """A true/false query parameter, None when absent."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise _bad_query(name, "must be true or false")


def query_uuid(request: web.Request, name: str) -> uuid.UUID | None:
    """An id query parameter, None when absent."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise _bad_query(name, "must be an id (UUID)") from exc


def query_choice(request: web.Request, name: str, choices: Iterable[str]) -> str | None:
    """A query parameter that must be one of `choices`, None when absent."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    allowed = tuple(choices)
    if raw not in allowed:
        raise _bad_query(name, f"must be one of: {', '.join(allowed)}")
    return raw


def query_platform(request: web.Request) -> str | None:
    """The `platform` filter."""
    return query_choice(request, "platform", platform_names())


def query_text(request: web.Request, name: str, max_length: int = 200) -> str | None:
    """A free-text query parameter (trimmed), None when absent or blank."""
    raw = (request.query.get(name) or "").strip()
    if len(raw) > max_length:
        raise _bad_query(name, f"must be at most {max_length} characters")
    if not storable(raw):
        raise _bad_query(name, "contains characters that cannot be stored")
    return raw or None


def paging(request: web.Request) -> tuple[int, str | None]:
    """`limit` (1..200, default 50) and `cursor` (checked now, so a bad one is a 400)."""
    limit = query_int(request, "limit", DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT)
    cursor = request.query.get("cursor") or None
    if cursor is not None:
        try:
            decode_cursor(cursor)
        except CursorError as exc:
            raise _bad_query("cursor", str(exc).removeprefix("cursor ")) from exc
    return limit, cursor


def path_id(request: web.Request, name: str, what: str) -> uuid.UUID:
    """An id from the path; anything that is not a UUID names nothing (404)."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError as exc:
        raise not_found(what) from exc


def page_json(page: Page[Any], render: Callable[[Any], dict[str, Any]]) -> web.Response:
    """The list shape: `{"items": [...], "next_cursor": ... | null}`."""
    return web.json_response(
        {"items": [render(item) for item in page.items], "next_cursor": page.next_cursor}
    )
