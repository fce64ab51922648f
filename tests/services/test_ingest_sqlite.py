"""Ingest on the embedded SQLite default: the ORM steps keep the promises the PostgreSQL
statement keeps (dedup, counters from new rows only, echoes outgoing, every body logged)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from inbox.models import Conversation, Message, WebhookLog
from inbox.settings import load_settings
from tests.conftest import APP_SECRET, cahts_env
from tests.factories import make_account, make_workspace
from tests.helpers import load_fixture, sign_meta
from web.app import create_app

CUSTOMER = "1423587017700273"  # the sender of Meta's text sample


def _text(mid: str, ms: int) -> dict[str, Any]:
    payload = load_fixture("messenger", "text")
    item = payload["entry"][0]["messaging"][0]
    item["message"]["mid"] = mid
    item["timestamp"] = ms
    return payload


def _echo(mid: str, ms: int) -> dict[str, Any]:
    payload = load_fixture("messenger", "echo")
    item = payload["entry"][0]["messaging"][0]
    item["recipient"]["id"] = CUSTOMER  # Meta's sample leaves the customer as "<PSID>"
    item["message"]["mid"] = mid
    item["timestamp"] = ms
    return payload


async def _post(client: TestClient, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    response = await client.post(
        "/api/webhooks/messenger", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def test_ingest_on_sqlite_counts_new_rows_only_and_logs_every_body(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    settings = load_settings(cahts_env(f"sqlite://{tmp_path}/cahts.db"), read_dotenv=False)
    client = await aiohttp_client(create_app(settings))
    workspace = await make_workspace()
    await make_account(workspace, "messenger", key=settings.token_encryption_keys[0])

    answers = [
        await _post(client, body)
        for body in (
            _text("m_one", 1_700_000_000_000),
            _text("m_two", 1_700_000_060_000),
            _text("m_one", 1_700_000_000_000),  # Meta sending the first again
            _echo("m_reply", 1_700_000_120_000),
        )
    ]

    assert [(a["stored"], a["duplicates"]) for a in answers] == [(1, 0), (1, 0), (0, 1), (1, 0)]
    conversation = await Conversation.get(participant_id=CUSTOMER)
    assert conversation.unread_count == 2
    assert conversation.last_incoming_at == datetime.fromtimestamp(1_700_000_060, UTC)
    assert conversation.last_message_at == datetime.fromtimestamp(1_700_000_120, UTC)
    assert await Message.filter(conversation=conversation).count() == 3
    assert (await Message.get(platform_message_id="m_reply")).is_incoming is False
    assert await WebhookLog.filter(processed=True).count() == 4
