"""X-Hub-Signature-256 verification over the exact raw body."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
from typing import Any

import pytest

from inbox.platforms.signature import sign, verify
from tests.helpers import fixture_bytes

SECRET = "app-secret-123"
RAW = (
    b'{"object":"page","entry":[{"id":"1","messaging":'
    b'[{"message":{"text":"Gr\\u00fc\\u00dfe \\u00e4"}}]}]}'
)


def _header(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_accepts_signature_over_exact_bytes_with_unicode_escapes() -> None:
    assert b"\\u00e4" in RAW
    assert verify(RAW, _header(RAW), SECRET)
    assert sign(RAW, SECRET) == _header(RAW)


def test_accepts_a_fixture_body() -> None:
    body = fixture_bytes("messenger", "text")
    assert verify(body, _header(body), SECRET)


def test_rejects_reserialized_body() -> None:
    reserialized = json.dumps(json.loads(RAW), ensure_ascii=False).encode()
    assert reserialized != RAW
    assert not verify(reserialized, _header(RAW), SECRET)


def test_rejects_missing_header() -> None:
    assert not verify(RAW, None, SECRET)
    assert not verify(RAW, "", SECRET)


def test_rejects_header_without_prefix() -> None:
    assert not verify(RAW, _header(RAW).removeprefix("sha256="), SECRET)


def test_rejects_wrong_secret() -> None:
    assert not verify(RAW, _header(RAW, "other-secret"), SECRET)


def test_rejects_empty_secret() -> None:
    assert not verify(RAW, _header(RAW, ""), "")


def test_signatures_and_tokens_are_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inbox.platforms import signature

    compared: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify(RAW, _header(RAW), SECRET)
    assert not verify(RAW, _header(RAW, "other-secret"), SECRET)
    assert [b for _, b in compared] == [
        _header(RAW).encode(),
        _header(RAW, "other-secret").encode(),
    ]
    # Nothing else decides: no == on secrets in the module (the verify token and the OAuth
    # state use compare_digest too).
    from inbox.platforms.meta import MetaAdapter
    from inbox.services.accounts import meta_oauth

    assert "==" not in inspect.getsource(signature.verify)
    assert "hmac.compare_digest(token.encode(), verify_token.encode())" in inspect.getsource(
        MetaAdapter.verify_handshake
    )
    assert "hmac.compare_digest(signature, _signature(" in inspect.getsource(
        meta_oauth.consume_state
    )
