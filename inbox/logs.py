"""Logging: one JSON object per line (or text), with context ids; secrets redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

from inbox.settings import option

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
workspace_id: ContextVar[str | None] = ContextVar("workspace_id", default=None)
account_id: ContextVar[str | None] = ContextVar("account_id", default=None)

REDACTED = "[redacted]"
# Credentials by their shape, redacted at every level whether configured or not (a bot token
# installed over OAuth, a page token from the database, a JWT handed out, a Fernet key).
TOKEN_PATTERNS = (
    re.compile(r"\b(?:xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]{6,}"),  # Slack (and rotated)
    re.compile(r"\b(?:EAA|IGAA|IGQV)[A-Za-z0-9_-]{16,}"),  # Meta access tokens
    re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),  # JWTs
    re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"),  # Fernet keys
    re.compile(r"\bgAAAAA[A-Za-z0-9_-]{20,}={0,2}"),  # Fernet tokens (encrypted secrets)
)
_BEARER = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+")
# Libraries that log whole request and response bodies (message text) at DEBUG.
BODY_LOGGERS = ("slack_sdk", "slack_bolt", "aiohttp.client")
_CONTEXT = {"request_id": request_id, "workspace_id": workspace_id, "account_id": account_id}


class ContextFilter(logging.Filter):
    """Stamp records with the ids of the request or task being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add request_id, workspace_id and account_id attributes."""
        for name, var in _CONTEXT.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class RedactingFilter(logging.Filter):
    """Replace any configured secret, and anything shaped like a token, in a log line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every secret and token replaced."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in TOKEN_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return _BEARER.sub(rf"\1 {REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} (unformattable arguments)"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def message_text_allowed() -> bool:
    """LOG_MESSAGE_TEXT=true lets libraries log bodies (with message text) at DEBUG."""
    return (option("LOG_MESSAGE_TEXT") or "false").lower() in ("true", "1", "yes")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialize a record with its context ids."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT:
            value = getattr(record, name, None)
            if value:
                entry[name] = value
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k not in entry})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(secrets: Iterable[str] = (), level: str | None = None) -> None:
    """Route all logging to stderr as JSON (LOG_FORMAT=text for humans), redacting secrets and
    tokens, with message bodies kept out unless LOG_MESSAGE_TEXT allows them."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    if (option("LOG_FORMAT") or "json").lower() == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or option("LOG_LEVEL") or "INFO").upper())
    for noisy in ("tortoise", "aiosqlite", "asyncio", "taskiq.receiver.receiver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Their DEBUG lines are whole bodies: customers' and agents' words (and tokens).
    floor = logging.NOTSET if message_text_allowed() else max(logging.INFO, root.level)
    for chatty in BODY_LOGGERS:
        logging.getLogger(chatty).setLevel(floor)
