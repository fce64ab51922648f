"""The send path on PostgreSQL against the fake Graph API: window, outbox, retries, errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from inbox.graph import GraphClient
from inbox.models import Conversation, Message, Outbox, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sending.outbox import (
    SendRefused,
    deliver,
    due_outbox,
    queue_reply,
    send_wait,
)
from inbox.settings import Settings
from inbox.tasks.sending import _pause
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph, Scripted, graph_error


@pytest.fixture
async def client_and_cipher(database: Settings) -> tuple[GraphClient, TokenCipher]:
    """A Graph client for the fake and the test cipher."""
    client = GraphClient(database.meta_graph_url)
    yield client, TokenCipher(database.token_encryption_keys)  # type: ignore[misc]
    await client.close()


async def _conversation(
    settings: Settings,
    platform: str = "messenger",
    customer_wrote: timedelta | None = timedelta(hours=1),
) -> Conversation:
    now = datetime.now(UTC)
    workspace = await make_workspace()
    account = await make_account(workspace, platform, key=settings.token_encryption_keys[0])
    return await Conversation.create(
        workspace=workspace,
        platform_account=account,
        participant_id="7349205816634201" if platform != "whatsapp" else "16505551234",
        participant_name="Customer",
        last_incoming_at=now - customer_wrote if customer_wrote is not None else None,
    )


async def _send_one(
    conversation: Conversation, text: str, gc: tuple[GraphClient, TokenCipher]
) -> tuple[Message, str]:
    now = datetime.now(UTC)
    [message] = await queue_reply(conversation, text=text, agent="Ana", source="api", now=now)
    outbox = await Outbox.get(message_id=message.id)
    outcome = await deliver(outbox.id, graph=gc[0], cipher=gc[1], now=now)
    await message.refresh_from_db()
    return message, outcome


async def test_reply_in_window_reaches_the_customer(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    conversation = await _conversation(database)
    message, outcome = await _send_one(conversation, "Yes, in blue!", client_and_cipher)
    assert outcome == "sent"
    [request] = graph.sent()
    assert request.path == "/104578291736452/messages"
    assert request.json == {
        "recipient": {"id": "7349205816634201"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Yes, in blue!"},
    }
    assert request.authorization == "Bearer EAA-test-token"
    assert message.status == "sent"
    assert message.platform_message_id == "m_FAKE000001"
    assert message.agent == "Ana"
    assert (await Outbox.get(message_id=message.id)).status == "sent"


async def test_between_one_and_seven_days_uses_the_human_agent_tag(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    conversation = await _conversation(database, customer_wrote=timedelta(days=3))
    _, outcome = await _send_one(conversation, "Following up", client_and_cipher)
    assert outcome == "sent"
    assert graph.sent()[0].json["messaging_type"] == "MESSAGE_TAG"
    assert graph.sent()[0].json["tag"] == "HUMAN_AGENT"


@pytest.mark.parametrize(
    ("platform", "age"), [("messenger", timedelta(days=8)), ("whatsapp", timedelta(hours=25))]
)
async def test_past_the_window_is_refused_before_calling_meta(
    database: Settings, graph: FakeGraph, platform: str, age: timedelta
) -> None:
    now = datetime.now(UTC)
    conversation = await _conversation(database, platform, customer_wrote=age)
    with pytest.raises(SendRefused, match="window is closed"):
        await queue_reply(conversation, text="hello?", agent="Ana", source="api", now=now)
    assert graph.requests == []
    assert await Message.all().count() == 0
    assert await Outbox.all().count() == 0


async def test_whatsapp_send_shape(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    conversation = await _conversation(database, "whatsapp")
    message, _ = await _send_one(conversation, "Hola", client_and_cipher)
    [request] = graph.sent()
    assert request.path == "/106540352242922/messages"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "text": {"body": "Hola", "preview_url": False},
    }
    assert message.platform_message_id == "wamid.FAKE000001"


async def test_transient_error_is_retried_then_sent_once(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    now = datetime.now(UTC)
    conversation = await _conversation(database)
    graph.script(
        "POST",
        "/104578291736452/messages",
        Scripted(500, {"error": {"message": "boom", "code": 2}}),
    )
    message, outcome = await _send_one(conversation, "hi", client_and_cipher)
    assert outcome == "retry"
    outbox = await Outbox.get(message_id=message.id)
    assert outbox.status == "pending"
    assert outbox.next_attempt_at is not None
    assert await due_outbox(now=outbox.next_attempt_at) == [outbox.id]
    early = await deliver(
        outbox.id, graph=client_and_cipher[0], cipher=client_and_cipher[1], now=now
    )
    assert early == "skip"  # the backoff is respected
    again = await deliver(
        outbox.id,
        graph=client_and_cipher[0],
        cipher=client_and_cipher[1],
        now=outbox.next_attempt_at,
    )
    assert again == "sent"
    assert len(graph.sent()) == 2
    assert (
        await deliver(outbox.id, graph=client_and_cipher[0], cipher=client_and_cipher[1]) == "skip"
    )
    assert len(graph.sent()) == 2


async def test_window_closed_error_is_permanent_and_explained(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    conversation = await _conversation(database)
    graph.script(
        "POST",
        "/104578291736452/messages",
        graph_error(10, "(#10) This message is sent outside of allowed window.", subcode=2018278),
    )
    message, outcome = await _send_one(conversation, "late", client_and_cipher)
    assert outcome == "failed"
    assert message.status == "failed"
    assert message.error_code == 10
    assert "reply window is closed" in (message.error_message or "")
    assert len(graph.sent()) == 1


async def test_expired_token_flags_the_account(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    conversation = await _conversation(database)
    graph.script(
        "POST", "/104578291736452/messages", graph_error(190, "Error validating access token")
    )
    message, outcome = await _send_one(conversation, "hi", client_and_cipher)
    assert outcome == "failed"
    assert "token" in (message.error_message or "")
    account = await PlatformAccount.get()
    assert account.needs_attention is True


async def test_long_text_is_split_and_files_are_separate_messages(database: Settings) -> None:
    now = datetime.now(UTC)
    from inbox.services.sending.outbox import ReplyAttachment

    conversation = await _conversation(database, "instagram")
    messages = await queue_reply(
        conversation,
        text="word " * 500,
        attachments=[ReplyAttachment("image", "https://files.example/cat.png", "cat.png")],
        agent="Ana",
        source="slack",
        slack_ts="1700000000.000100",
        now=now,
    )
    assert [m.kind for m in messages] == ["text", "text", "text", "media"]
    assert all(len(m.content.encode()) <= 1000 for m in messages[:3])
    assert messages[0].slack_ts == "1700000000.000100"
    assert await Outbox.all().count() == 4


async def test_an_echo_that_beats_the_send_response_is_not_kept_twice(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    from inbox.services.ingest.pipeline import ingest
    from tests.helpers import load_fixture

    conversation = await _conversation(database)
    echo = load_fixture("messenger", "echo")
    echo["entry"][0]["messaging"][0]["message"]["mid"] = "m_FAKE000001"
    await ingest("messenger", echo)
    assert await Message.all().count() == 1
    message, outcome = await _send_one(conversation, "Yes, we ship", client_and_cipher)
    assert outcome == "sent"
    assert await Message.all().count() == 1
    assert (await Message.get()).id == message.id


async def test_a_dead_attempts_lease_is_taken_over_once_it_runs_out(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    now = datetime.now(UTC)
    conversation = await _conversation(database)
    [message] = await queue_reply(conversation, text="hi", agent="Ana", source="api", now=now)
    outbox = await Outbox.get(message_id=message.id)
    # A worker claimed the row ten seconds ago and died before Meta answered.
    await Outbox.filter(id=outbox.id).update(
        status="sending", attempts=1, updated_at=now - timedelta(seconds=10)
    )
    graph_client, cipher = client_and_cipher
    assert await deliver(outbox.id, graph=graph_client, cipher=cipher, now=now) == "skip"
    assert await send_wait(outbox.id, now=now) == pytest.approx(50.0)
    later = now + timedelta(seconds=51)
    assert await deliver(outbox.id, graph=graph_client, cipher=cipher, now=later) == "sent"
    assert (await Outbox.get(id=outbox.id)).attempts == 2
    assert await send_wait(outbox.id, now=later) is None


async def test_a_synced_copy_of_our_send_is_not_kept_twice(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    now = datetime.now(UTC)
    from inbox.platforms.events import Echo
    from inbox.services.ingest.pipeline import store_events

    conversation = await _conversation(database)
    echo = Echo("messenger", "104578291736452", "m_FAKE000001", "7349205816634201", now, "hi")
    await store_events("messenger", [echo], source="sync")
    message, outcome = await _send_one(conversation, "hi", client_and_cipher)
    assert outcome == "sent"
    assert await Message.all().values_list("id", flat=True) == [message.id]


async def test_a_graph_call_outlasting_half_the_lease_is_retried_later(
    database: Settings,
    graph: FakeGraph,
    client_and_cipher: tuple[GraphClient, TokenCipher],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aiohttp import web

    async def slow(request: web.Request, path: str, body: object) -> web.Response:
        await asyncio.sleep(1.5)
        return web.json_response({"message_id": "m_TOO_LATE"})

    monkeypatch.setenv("SEND_LEASE_SECONDS", "1")
    graph.routes["POST /messages"] = slow
    conversation = await _conversation(database)
    message, outcome = await _send_one(conversation, "hi", client_and_cipher)
    assert outcome == "retry"
    outbox = await Outbox.get(message_id=message.id)
    assert "no answer from the Graph API in time" in (outbox.last_error or "")
    assert message.status == "pending"


async def test_pieces_of_one_reply_leave_in_order(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    now = datetime.now(UTC)
    from inbox.services.sending.outbox import next_in_line

    conversation = await _conversation(database)
    messages = await queue_reply(
        conversation, text="part " * 600, agent="Ana", source="api", now=now
    )
    assert len(messages) == 2
    first, second = [await Outbox.get(message_id=m.id) for m in messages]
    gc, cipher = client_and_cipher
    assert await deliver(second.id, graph=gc, cipher=cipher, now=now) == "blocked"
    assert graph.sent() == []
    assert await next_in_line(first.id) == first.id
    assert await deliver(first.id, graph=gc, cipher=cipher, now=now) == "sent"
    assert await next_in_line(first.id) == second.id
    assert await deliver(second.id, graph=gc, cipher=cipher, now=now) == "sent"
    texts = [r.json["message"]["text"] for r in graph.sent()]
    assert texts == [messages[0].content, messages[1].content]
    assert await next_in_line(second.id) is None


async def test_the_task_chain_sends_every_piece_in_order(client: object, graph: FakeGraph) -> None:
    from inbox.appkeys import SETTINGS
    from inbox.tasks.sending import enqueue_sends

    settings = client.app[SETTINGS]  # type: ignore[attr-defined]
    conversation = await _conversation(settings)
    text = " ".join(f"w{i:04d}" for i in range(1200))
    messages = await queue_reply(conversation, text=text, agent="Ana", source="api")
    assert len(messages) == 4
    await enqueue_sends(list(reversed(messages)))
    for _ in range(200):
        if len(graph.sent()) == 4:
            break
        await asyncio.sleep(0.05)
    texts = [r.json["message"]["text"] for r in graph.sent()]
    assert texts == [m.content for m in messages]


async def test_a_task_that_read_a_lease_just_before_its_holder_finished_does_not_wait_it_out(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    conversation = await _conversation(database)
    message, outcome = await _send_one(conversation, "hi", client_and_cipher)
    assert outcome == "sent"
    outbox = await Outbox.get(message_id=message.id)
    assert await send_wait(outbox.id) is None
    # A second copy of the task read a 60 s lease while the first attempt held the row; the
    # attempt has finished since: the pause ends at once instead of sleeping the lease.
    await asyncio.wait_for(_pause(outbox.id, 60.0), timeout=10)


async def test_a_pause_for_a_backoff_still_waits_for_it(
    database: Settings, graph: FakeGraph, client_and_cipher: tuple[GraphClient, TokenCipher]
) -> None:
    from inbox.tasks.sending import _pause

    conversation = await _conversation(database)
    [message] = await queue_reply(conversation, text="hi", agent="Ana", source="api")
    outbox = await Outbox.get(message_id=message.id)
    await Outbox.filter(id=outbox.id).update(
        next_attempt_at=datetime.now(UTC) + timedelta(minutes=5)
    )
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_pause(outbox.id, 300.0), timeout=0.5)
