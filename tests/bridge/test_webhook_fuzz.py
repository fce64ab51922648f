"""Property-based: validly signed webhooks with any body never get a 5xx or write half a body.

Each generated body goes through the real route on PostgreSQL. A 200 has written exactly its
webhook_logs row (processed) and `stored` new messages; a 400 has written nothing; every
conversation's counters stay equal to its messages.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import event, given
from hypothesis import strategies as st

from inbox.appkeys import SETTINGS
from inbox.jsonbody import TooDeepError, parse_json
from inbox.models import Message, WebhookLog
from tests.conftest import APP_SECRET
from tests.factories import connect_fixture_accounts
from tests.fuzzing import any_body, fuzz_settings, mutated_fixtures, renamed
from tests.helpers import load_fixture, sign_meta, signed_platforms

PLATFORMS = signed_platforms()  # one route per platform, signed with the app secret
_COUNTS = (
    "SELECT (SELECT count(*) FROM webhook_logs) AS logs,"
    " (SELECT count(*) FROM webhook_logs WHERE NOT processed) AS unprocessed,"
    " (SELECT count(*) FROM messages) AS messages"
)
# Conversations whose unread count or latest time disagree with their messages.
_INCONSISTENT = """
SELECT c.id FROM conversations c
LEFT JOIN messages m ON m.conversation_id = c.id
GROUP BY c.id
HAVING c.unread_count <> count(*) FILTER (WHERE m.is_incoming AND NOT m.is_read)
    OR c.last_message_at IS DISTINCT FROM max(m.received_at)
"""


def _encode(payload: Any, ascii_only: bool) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=ascii_only).encode()
    except UnicodeEncodeError:  # a lone surrogate travels escaped, as Meta escapes non-ASCII
        return json.dumps(payload).encode()


def _deep(depth: int) -> bytes:
    return b'{"object": "page", "entry": [' + b"[" * depth + b"]" * depth + b"]}"


_fresh = itertools.count()


def _encode_new(payload: Any, ascii_only: bool, retry: bool) -> bytes:
    """Encoded; unless a retry, with message ids no earlier example used (new messages)."""
    return _encode(payload if retry else renamed(payload, f"_{next(_fresh)}"), ascii_only)


def json_bodies(platform: str) -> st.SearchStrategy[bytes]:
    """JSON of every kind, mostly this platform's shape and near-real, encoded as Meta might."""
    payloads = st.one_of(mutated_fixtures(platform), any_body(platform))
    return st.builds(_encode_new, payloads, st.booleans(), st.booleans())


def broken_bodies(platform: str) -> st.SearchStrategy[bytes]:
    """Bodies that are not acceptable JSON: deep nesting, bytes, cut short, NaN, 1e999."""
    return st.one_of(
        st.integers(min_value=1, max_value=5000).map(_deep),
        st.binary(max_size=64),
        json_bodies(platform).map(lambda b: b[: len(b) // 2]),
        st.sampled_from([b'{"object": "page", "entry": [NaN]}', b'{"entry": [1e999]}']),
    )


@pytest.fixture
async def db(client: TestClient) -> Any:
    """A direct connection to the test database, for counts the ORM would hide."""
    url = client.app[SETTINGS].database_url.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(url)
    yield conn
    await conn.close()


async def _post_and_check(client: TestClient, db: Any, platform: str, body: bytes) -> None:
    if not await db.fetchval("SELECT count(*) FROM platform_accounts"):
        await connect_fixture_accounts(client.app[SETTINGS].token_encryption_keys[0])
    before = await db.fetchrow(_COUNTS)
    response = await client.post(
        f"/api/webhooks/{platform}", data=body, headers=sign_meta(body, APP_SECRET)
    )
    answer = await response.json()
    after = await db.fetchrow(_COUNTS)
    event(f"HTTP {response.status}")
    assert response.status in (200, 400), answer
    assert after["unprocessed"] == 0
    if response.status == 200:
        event("stored a message" if answer["stored"] else "stored no message")
        assert after["logs"] == before["logs"] + 1, "a 200 without its webhook_logs row"
        assert after["messages"] == before["messages"] + answer["stored"]
    else:
        event(answer["error"]["message"][:40])
        assert answer["error"]["code"] in ("malformed_json", "unexpected_shape")
        assert (after["logs"], after["messages"]) == (before["logs"], before["messages"])
    assert await db.fetch(_INCONSISTENT) == []


@pytest.mark.parametrize("platform", PLATFORMS)
@fuzz_settings(70)
@given(data=st.data())
async def test_any_signed_json_is_stored_whole_or_refused_cleanly(
    client: TestClient, db: Any, platform: str, data: Any
) -> None:
    await _post_and_check(client, db, platform, data.draw(json_bodies(platform), label="body"))


@pytest.mark.parametrize("platform", PLATFORMS)
@fuzz_settings(25)
@given(data=st.data())
async def test_a_signed_body_that_is_not_json_is_a_400_that_writes_nothing(
    client: TestClient, db: Any, platform: str, data: Any
) -> None:
    await _post_and_check(client, db, platform, data.draw(broken_bodies(platform), label="body"))


# What the properties found, kept as plain examples.


async def test_half_an_emoji_is_stored_as_a_replacement_character(client: TestClient) -> None:
    await connect_fixture_accounts(client.app[SETTINGS].token_encryption_keys[0])
    payload = load_fixture("messenger", "text")
    payload["entry"][0]["messaging"][0]["message"]["text"] = "cut here: \ud83d"
    body = json.dumps(payload).encode()  # "\ud83d" on the wire, as a truncation upstream makes
    response = await client.post(
        "/api/webhooks/messenger", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 200  # once a 503 for ever: Meta retried, then unsubscribed
    assert (await Message.get()).content == "cut here: \ufffd"
    assert await WebhookLog.all().count() == 1


@pytest.mark.parametrize(
    ("platform", "fixture", "path", "value"),
    [
        ("messenger", "text", ("entry", 0, "id"), "9" * 300),
        (
            "whatsapp",
            "status_read",
            ("entry", 0, "changes", 0, "value", "statuses", 0, "id"),
            "w" * 300,
        ),
        ("messenger", "read", ("entry", 0, "messaging", 0, "sender", "id"), "1" * 99),
    ],
    ids=["page-id", "status-id", "read-receipt-sender"],
)
async def test_ids_longer_than_any_platform_sends_are_skipped_not_retried(
    client: TestClient, platform: str, fixture: str, path: tuple[Any, ...], value: str
) -> None:
    await connect_fixture_accounts(client.app[SETTINGS].token_encryption_keys[0])
    payload: Any = load_fixture(platform, fixture)
    target = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    body = json.dumps(payload).encode()
    response = await client.post(
        f"/api/webhooks/{platform}", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 200  # once a 503 for ever: the ORM refused the long filter value
    assert "longer than" in ((await WebhookLog.get()).error or "")


@pytest.mark.parametrize(
    "body",
    [b'{"object": "page", "entry": [], "x": NaN}', b'{"object": "page", "entry": [1e400]}'],
    ids=["NaN", "infinity"],
)
async def test_numbers_json_does_not_have_are_a_400(client: TestClient, body: bytes) -> None:
    response = await client.post(
        "/api/webhooks/messenger", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 400  # once a 503 for ever: jsonb refused the stored body
    assert await WebhookLog.all().count() == 0


def test_the_depth_bound_holds_with_brackets_inside_strings_or_not() -> None:
    deep = b"[" * 65 + b"]" * 65
    with pytest.raises(TooDeepError):
        parse_json(deep)
    with pytest.raises(TooDeepError):
        parse_json(deep.decode())
    shallow = b'{"a": "' + b"{[" * 100 + b'", "b": [[1]]}'  # many brackets, all in a string
    assert parse_json(shallow)["b"] == [[1]]
    assert parse_json(b"[" * 64 + b"]" * 64) is not None
