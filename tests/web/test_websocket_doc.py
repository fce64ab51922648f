"""docs/websocket.md lists every frame the code knows, both ways, with every event field."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from inbox.events import BROWSER_TYPES, EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "websocket.md").read_text()
WS_CODE = (ROOT / "web" / "ws.py").read_text()


def _section(title: str) -> str:
    """The text of one `## …` section of the doc."""
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def _frames(title: str) -> set[str]:
    return set(re.findall(r"^### `([a-z_]+)`", _section(title), re.M))


def test_every_client_frame_the_server_handles_is_documented() -> None:
    handled = set(re.findall(r'kind == "([a-z_]+)"', WS_CODE))
    listed = re.findall(r'get\("type"\) (?:not )?in \(([^)]*)\)', WS_CODE)[0]
    handled |= set(listed.split('"')[1::2])
    assert handled >= {"authenticate", "subscribe_messages", "mark_read", "ping"}
    assert _frames("Client → server") == handled


def test_every_server_frame_is_documented() -> None:
    answers = set(re.findall(r'\{"type": "([a-z_]+)"', WS_CODE))
    answers |= set(re.findall(r'"type": "([a-z_]+)",\n', WS_CODE))
    assert answers >= {"authenticated", "subscribed", "pong", "error"}
    assert _frames("Server → client: answers") == answers
    assert _frames("Server → client: events") == set(BROWSER_TYPES)


def test_every_field_of_every_browser_event_is_named() -> None:
    events = _section("Server → client: events")
    for cls in EVENT_TYPES:
        if not cls.browser:
            continue
        start = events.index(f"### `{cls.type}`")
        end = events.find("\n### ", start + 1)
        text = events[start : end if end != -1 else None]
        for field in fields(cls):  # type: ignore[arg-type]  # every event class is a dataclass
            if field.name != "workspace_id":  # said once for all events
                assert f"`{field.name}`" in text, f"{cls.type}: {field.name}"


def test_every_error_code_is_documented() -> None:
    codes = set(re.findall(r'"code": "([a-z_]+)"', WS_CODE))
    assert codes
    table = _section("Server → client: answers")
    for code in codes:
        assert f"| `{code}` |" in table, code
