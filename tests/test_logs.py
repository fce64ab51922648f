"""Log lines: JSON with the ids of what is being served, and no configured secret."""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.fernet import Fernet

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


@pytest.mark.parametrize(
    "token",
    [
        "xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxp-1111111111-2222222222-3333333333333-0123456789abcdef0123456789abcdef",
        "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef",
        "xoxe.xoxp-1-Mi0yLTExMTExMTExMTEtMjIyMjIyMjIy",
        "xoxe-1-My0xLTExMTExMTExMTEtMjIyMjIyMjIy",
        "EAAGm0PX4ZCpsBAKZC0ZBQZCZAZBZCZAZAZB3ZCZAZBZAZAZAZCZAZBZAZAZD",
        "IGAAKxZBlRKZAFBZAE1bXVqOFZAZAcmxLcE5BaWFZAZA0ZAnZAZAhZAJZAEF",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.sflKxwRJSMeKKF2QT4fwpMeJf36",
        # Made fresh each run: named, so every pytest-xdist worker collects the same ids.
        pytest.param(Fernet.generate_key().decode(), id="fernet-key"),
        pytest.param(
            Fernet(Fernet.generate_key()).encrypt(b"EAA-page-token").decode(), id="fernet-token"
        ),
    ],
)
def test_tokens_are_redacted_by_their_shape_without_being_configured(token: str) -> None:
    record = _record("installed %s for team T1 (%s)", token, {"access_token": token})
    assert logs.RedactingFilter().filter(record)
    text = logs.JsonFormatter().format(record)
    assert token not in text
    assert "team T1" in text and logs.REDACTED in text


def test_authorization_headers_are_redacted() -> None:
    record = _record("headers: {'Authorization': 'Bearer opaque.refresh_token-42'}")
    assert logs.RedactingFilter().filter(record)
    assert "opaque.refresh_token-42" not in logs.JsonFormatter().format(record)


def test_slack_client_bodies_stay_out_of_debug_logs_unless_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure_logging(level="DEBUG")
        assert not logging.getLogger("slack_sdk.web.async_base_client").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("slack_bolt.cahts").isEnabledFor(logging.DEBUG)
        monkeypatch.setenv("LOG_MESSAGE_TEXT", "true")
        logs.configure_logging(level="DEBUG")
        assert logging.getLogger("slack_sdk.web.async_base_client").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name in logs.BODY_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
