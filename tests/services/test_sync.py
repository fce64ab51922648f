"""Sync and backfill against the fake Graph API on PostgreSQL: what webhooks missed, never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from inbox.bus import InProcessBus
from inbox.events import NewMessage
from inbox.graph import GraphClient
from inbox.hooks import Hooks
from inbox.models import Conversation, Message, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.ingest.pipeline import IngestResult, ingest
from inbox.services.sync.runner import sync_account
from inbox.settings import Settings
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph, graph_error
from tests.helpers import load_fixture

NOW = datetime(2026, 7, 29, 12, 0, tzinfo=UTC)
PAGE = "104578291736452"
CUSTOMER = "7349205816634201"
WEBHOOK_MIDS = {
    "m_Qk1x8w2mZ0aV7nR3tYb5HcLpE9sDfG4jK6uI1oP2qW3eR4tY5uI6oP7aS8dF9gH0",
    "m_ZyX9wVu8TsR7qPo6NmL5kJ4iH3gF2eD1",
}
NEW_MIDS = {
    "m_sYnC0rEpLy9xWv8uT7sR6qP5oN4mL3kJ2iH1gF0eD9cB8aZ7yX6wV5uT4sR3qP2",
    "m_hElLo7aB6cD5eF4gH3iJ2kL1mN0oP9qR8sT7uV6wX5yZ4aB3cD2eF1gH0iJ9kL8",
    "m_pHoTo1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7gH8iJ9kL0",
    "m_sIzE0aB9cD8eF7gH6iJ5kL4mN3oP2qR1sT0uV9wX8yZ7aB6cD5eF4gH3iJ2kL1",
    "m_oRdEr9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT9uV8wX7yZ6aB5cD4eF3gH2iJ1kL0",
}
IG_TEXT_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDY1MTIzNDU2Nzg5OjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEyODEz"
)
OLD_MID = "m_oLdMsG1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7gH8iJ9k"


class Mirror:
    """Stands in for the Slack mirror: records every message handed to after-store hooks."""

    def __init__(self) -> None:
        self.posted: list[str] = []
        self.bus = InProcessBus(Hooks(after_store=[self]))

    async def __call__(self, result: IngestResult) -> None:
        self.posted += [
            e.message["platform_message_id"] for e in result.events if isinstance(e, NewMessage)
        ]


@pytest.fixture
def mirror() -> Mirror:
    """A recording after-store hook on a bus of its own."""
    return Mirror()


@pytest.fixture
async def tools(database: Settings) -> AsyncIterator[tuple[GraphClient, TokenCipher]]:
    """A Graph client on the fake, and the test cipher."""
    client = GraphClient(database.meta_graph_url)
    yield client, TokenCipher(database.token_encryption_keys)
    await client.close()


def serve_two_pages(graph: FakeGraph) -> None:
    """The Page's conversations: two pages, the second reaching past the sync window."""
    graph.serve_pages(
        "/conversations",
        load_fixture("graph", "messenger_conversations_page1"),
        load_fixture("graph", "messenger_conversations_page2"),
        {"data": [], "paging": {"cursors": {"after": "END"}}},
    )


async def messenger_with_webhooks(settings: Settings) -> PlatformAccount:
    """The fixture Page, with a customer message and an echo already stored by webhooks."""
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=settings.token_encryption_keys[0])
    text, echo = load_fixture("messenger", "text"), load_fixture("messenger", "echo")
    # The same two messages the Conversations API fixture lists (the ids both ways agree).
    text_mid, echo_mid = sorted(WEBHOOK_MIDS)
    text_item, echo_item = text["entry"][0]["messaging"][0], echo["entry"][0]["messaging"][0]
    text_item["sender"]["id"] = echo_item["recipient"]["id"] = CUSTOMER
    text_item["message"]["mid"], echo_item["message"]["mid"] = text_mid, echo_mid
    await ingest("messenger", text)
    await ingest("messenger", echo)
    assert await Message.all().count() == 2
    return account


async def test_sync_stores_only_what_webhooks_missed(
    database: Settings,
    graph: FakeGraph,
    tools: tuple[GraphClient, TokenCipher],
    mirror: Mirror,
) -> None:
    account = await messenger_with_webhooks(database)
    mirror.posted.clear()
    serve_two_pages(graph)
    bus = mirror.bus
    with bus.subscribe() as events:
        result = await sync_account(account, graph=tools[0], cipher=tools[1], bus=bus, now=NOW)
        published = [events.queue.get_nowait() for _ in range(events.queue.qsize())]

    assert (result.status, result.stored, result.duplicates, result.pages) == ("ok", 5, 2, 2)
    stored = set(await Message.all().values_list("platform_message_id", flat=True))
    assert stored == WEBHOOK_MIDS | NEW_MIDS  # the 2-day-old conversation is outside the window
    assert sorted(mirror.posted) == sorted(NEW_MIDS)
    assert await Conversation.all().count() == 3

    reply = await Message.get(platform_message_id__startswith="m_sYnC0rEpLy")
    assert (reply.is_incoming, reply.status, reply.source) == (False, "sent", "sync")
    photo = await Message.get(platform_message_id__startswith="m_pHoTo")
    assert photo.kind == "media"
    assert photo.attachments[0]["type"] == "image"
    assert photo.attachments[0]["url"].endswith("451234567_photo_n.jpg")
    lena = await Conversation.get(participant_id="4820193746251234")
    assert lena.participant_name == "Lena Ortiz"
    assert lena.last_incoming_at == datetime(2026, 7, 29, 7, 50, tzinfo=UTC)

    first, second = graph.got("/conversations")
    assert first.path == f"/{PAGE}/conversations"
    assert first.query["platform"] == "messenger"
    assert (
        "messages.limit(20){id,created_time,from,to,message,attachments}" in first.query["fields"]
    )
    assert "after" not in first.query
    assert second.query["after"] == "QVFIUmNvbnYy"
    assert first.authorization == "Bearer EAA-test-token"

    assert [e["type"] for e in published if e["type"].startswith("sync")] == [
        "sync_started",
        "sync_completed",
    ]
    completed = next(e for e in published if e["type"] == "sync_completed")
    assert completed["account_id"] == str(account.id)
    assert completed["workspace_id"] == str(account.workspace_id)  # type: ignore[attr-defined]
    assert (completed["status"], completed["stored"]) == ("ok", 5)
    new_messages = [e for e in published if e["type"] == "new_message"]
    assert len(new_messages) == 5
    await account.refresh_from_db()
    assert account.last_synced_at == NOW


async def test_the_next_sync_and_a_backfill_store_nothing_twice(
    database: Settings,
    graph: FakeGraph,
    tools: tuple[GraphClient, TokenCipher],
    mirror: Mirror,
) -> None:
    account = await messenger_with_webhooks(database)
    serve_two_pages(graph)
    await sync_account(account, graph=tools[0], cipher=tools[1], bus=mirror.bus, now=NOW)
    await account.refresh_from_db()
    mirror.posted.clear()

    later = await sync_account(
        account, graph=tools[0], cipher=tools[1], bus=mirror.bus, now=NOW + timedelta(minutes=5)
    )
    # Only conversations updated since the last sync (less a 10-minute overlap) are read.
    assert (later.status, later.stored, later.pages) == ("ok", 0, 1)

    backfill = await sync_account(
        account, graph=tools[0], cipher=tools[1], bus=mirror.bus, days=3, now=NOW
    )
    assert (backfill.kind, backfill.stored, backfill.duplicates) == ("backfill", 1, 7)
    assert (await Message.get(platform_message_id=OLD_MID)).source == "backfill"
    again = await sync_account(
        account, graph=tools[0], cipher=tools[1], bus=mirror.bus, days=3, now=NOW
    )
    assert (again.stored, again.duplicates) == (0, 8)

    mids = await Message.all().values_list("platform_message_id", flat=True)
    assert len(mids) == len(set(mids)) == 8
    assert mirror.posted == [OLD_MID]


async def test_whatsapp_has_no_history_and_says_so(
    database: Settings, graph: FakeGraph, tools: tuple[GraphClient, TokenCipher]
) -> None:
    workspace = await make_workspace()
    account = await make_account(workspace, "whatsapp", key=database.token_encryption_keys[0])
    bus = InProcessBus()
    with bus.subscribe() as events:
        result = await sync_account(account, graph=tools[0], cipher=tools[1], bus=bus, now=NOW)
        completed = [events.queue.get_nowait() for _ in range(events.queue.qsize())][-1]
    assert result.status == "not_supported"
    assert "no history API" in (result.error or "")
    assert graph.requests == []
    assert (completed["type"], completed["status"]) == ("sync_completed", "not_supported")
    await account.refresh_from_db()
    assert account.last_synced_at == NOW
    assert account.needs_attention is False


async def test_a_refused_token_fails_the_sync_and_flags_the_account(
    database: Settings, graph: FakeGraph, tools: tuple[GraphClient, TokenCipher]
) -> None:
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    graph.script("GET", f"/{PAGE}/conversations", graph_error(190, "Session has expired"))
    result = await sync_account(account, graph=tools[0], cipher=tools[1], now=NOW)
    assert result.status == "failed"
    assert "reconnect" in (result.error or "")
    await account.refresh_from_db()
    assert account.needs_attention is True
    assert "Session has expired" in (account.attention_reason or "")
    assert account.last_synced_at is None


async def test_a_transient_error_fails_without_flagging(
    database: Settings, graph: FakeGraph, tools: tuple[GraphClient, TokenCipher]
) -> None:
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    graph.script("GET", f"/{PAGE}/conversations", graph_error(2, "Service unavailable", 503))
    result = await sync_account(account, graph=tools[0], cipher=tools[1], now=NOW)
    assert result.status == "failed"
    await account.refresh_from_db()
    assert (account.needs_attention, account.last_synced_at) == (False, None)


@pytest.mark.parametrize(
    ("parent", "token", "path"),
    [
        ("104578291736452", "EAA-page-token", "/104578291736452/conversations"),
        (None, "IGAA-instagram-login-token", "/me/conversations"),
    ],
)
async def test_instagram_reads_through_its_page_or_as_itself(
    database: Settings,
    graph: FakeGraph,
    tools: tuple[GraphClient, TokenCipher],
    parent: str | None,
    token: str,
    path: str,
) -> None:
    workspace = await make_workspace()
    account = await make_account(
        workspace, "instagram", key=database.token_encryption_keys[0], token=token
    )
    if parent is not None:
        await PlatformAccount.filter(id=account.id).update(parent_external_id=parent)
        await account.refresh_from_db()
    body = load_fixture("instagram", "text")  # as the Conversations API fixture lists it
    item = body["entry"][0]["messaging"][0]
    item["sender"]["id"] = "1192837465019283"
    item["message"]["mid"] = IG_TEXT_MID
    await ingest("instagram", body)
    graph.serve_pages("/conversations", load_fixture("graph", "instagram_conversations"))

    result = await sync_account(account, graph=tools[0], cipher=tools[1], now=NOW)

    assert (result.stored, result.duplicates) == (1, 1)
    [request] = graph.got("/conversations")
    assert (request.path, request.query["platform"]) == (path, "instagram")
    answer = await Message.get(is_incoming=False)
    assert answer.content == "Yes, we ship to Mexico!"
    assert (await Conversation.get()).participant_id == "1192837465019283"
