"""Log lines: JSON with the ids of what is being served, and no configured secret."""

from __future__ import annotations

import json
import logging

from inbox import logs


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("cahts.test", logging.INFO, __file__, 1, message, args, None)


def test_json_line_carries_request_workspace_and_account_ids() -> None:
    tokens = [
        logs.request_id.set("req-1"),
        logs.workspace_id.set("ws-2"),
        logs.account_id.set("acct-3"),
    ]
    try:
        record = _record("sent %s", "ok")
        assert logs.ContextFilter().filter(record)
        line = json.loads(logs.JsonFormatter().format(record))
    finally:
        for var, token in zip(
            (logs.request_id, logs.workspace_id, logs.account_id), tokens, strict=True
        ):
            var.reset(token)
    assert line["message"] == "sent ok"
    assert (line["request_id"], line["workspace_id"], line["account_id"]) == (
        "req-1",
        "ws-2",
        "acct-3",
    )
    assert line["level"] == "info"


def test_secrets_are_redacted_in_messages_and_tracebacks() -> None:
    secret = "xoxb-very-secret-token"
    redactor = logs.RedactingFilter([secret, "short"])
    record = _record("calling slack with %s", secret)
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert redactor.filter(record)
    text = logs.JsonFormatter().format(record)
    assert secret not in text
    assert logs.REDACTED in json.loads(text)["message"]
    assert logs.REDACTED in json.loads(text)["exception"]
