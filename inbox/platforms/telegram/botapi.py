"""Bot API calls through the handed client: `/bot<token>/<method>`, errors in an agent's words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from inbox.platforms.graphapi import GraphApi, GraphError, LocalFile
from inbox.platforms.outbound import SendErrorKind

API = "telegram"
SOURCE = "Telegram"
# The shape @BotFather gives: bot id, colon, secret. Anything else never reaches a URL path.
TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,100}")
_FILE_PATH = re.compile(r"[A-Za-z0-9_.-]{1,128}(?:/[A-Za-z0-9_.-]{1,128}){0,4}")


def classify(status: int, code: int | None) -> SendErrorKind:
    """What a Bot API error code (an HTTP status) means for the agent and for retrying."""
    code = code or status
    if code in (401, 404):
        return SendErrorKind.TOKEN_INVALID
    if code == 403:
        return SendErrorKind.USER_UNAVAILABLE
    if code == 429:
        return SendErrorKind.RATE_LIMITED
    if code == 0 or code >= 500:
        return SendErrorKind.TRANSIENT
    return SendErrorKind.PERMANENT


def _explanation(code: int, description: str, retry_after: float | None) -> str | None:
    said = description.lower()
    if code == 403 and "blocked" in said:
        return "the customer blocked the bot"
    if code == 403 and "deactivated" in said:
        return "the customer deleted their Telegram account"
    if "chat not found" in said:
        return "chat not found (the customer never started this bot or the chat is gone)"
    if code == 429:
        wait = f"; retrying after {retry_after:g} s" if retry_after else "; it will be retried"
        return f"too many requests: Telegram is slowing the bot down{wait}"
    if code in (401, 404):
        return "Telegram no longer accepts the bot token (revoked in @BotFather?): reconnect it"
    return None


def error_from(status: int, body: Any) -> GraphError:
    """The GraphError for a Bot API refusal (`{"ok": false, "error_code", "description"}`)."""
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    found = data.get("error_code")
    code: int = found if isinstance(found, int) else status
    description = str(data.get("description") or f"HTTP {status}")[:500]
    parameters = data.get("parameters")
    after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    retry_after = float(after) if isinstance(after, int | float) and 0 < after < 86400 else None
    error = GraphError(
        status,
        description,
        code,
        source=SOURCE,
        explanation=_explanation(code, description, retry_after),
        retry_after=retry_after,
    )
    error.kind = classify(status, code)
    return error


def check_token(token: str) -> None:
    """GraphError unless the token has @BotFather's shape (it becomes part of a URL path)."""
    if not TOKEN.fullmatch(token):
        error = GraphError(401, "Unauthorized: not a bot token", 401, source=SOURCE)
        error.kind = SendErrorKind.TOKEN_INVALID
        raise error


async def call(
    graph: GraphApi,
    token: str,
    method: str,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """One Bot API method; its `result`, or GraphError with Telegram's description."""
    check_token(token)
    status, body = await graph.request(API, "POST", f"bot{token}/{method}", json=params or {})
    return _result(status, body)


async def upload(
    graph: GraphApi,
    token: str,
    method: str,
    form: Mapping[str, str],
    files: Mapping[str, LocalFile],
) -> Any:
    """One Bot API method with files, as multipart/form-data; its `result`, or GraphError."""
    check_token(token)
    path = f"bot{token}/{method}"
    status, body = await graph.request(API, "POST", path, form=form, files=files)
    return _result(status, body)


def _result(status: int, body: Any) -> Any:
    if status >= 400 or not isinstance(body, dict) or body.get("ok") is not True:
        raise error_from(status, body)
    return body.get("result")


def file_url(graph: GraphApi, token: str, file_path: str) -> str:
    """The download URL of a file `getFile` described (valid for an hour)."""
    check_token(token)
    if not _FILE_PATH.fullmatch(file_path) or ".." in file_path:
        raise GraphError(400, "Telegram gave a file path that is not one", source=SOURCE)
    return f"{graph.api_url(API)}/file/bot{token}/{file_path}"
