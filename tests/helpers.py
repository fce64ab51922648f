"""Shared test helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(platform: str, name: str) -> bytes:
    """The exact bytes of tests/fixtures/<platform>/<name>.json."""
    return (FIXTURES / platform / f"{name}.json").read_bytes()


def load_fixture(platform: str, name: str) -> dict[str, Any]:
    """tests/fixtures/<platform>/<name>.json parsed as a dict."""
    loaded = json.loads(fixture_bytes(platform, name))
    assert isinstance(loaded, dict)
    return loaded


def sign_meta(body: bytes, secret: str) -> dict[str, str]:
    """Headers for a webhook signed as Meta signs it."""
    from inbox.platforms.signature import SIGNATURE_HEADER, sign

    return {SIGNATURE_HEADER: sign(body, secret), "Content-Type": "application/json"}
