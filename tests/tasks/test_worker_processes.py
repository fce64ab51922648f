"""Acceptance: real `cahts worker` processes on Redis and PostgreSQL, the fake Graph API behind."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from inbox.models import Conversation, Message, Outbox, PlatformAccount
from inbox.services.sending.outbox import queue_reply
from inbox.settings import Settings
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph, Scripted, conversations_page, graph_error
from tests.tasks.conftest import Spawn, eventually, kick

PAGE = "104578291736452"
OTHER_PAGE = "200000000000002"


async def reply_to_customer(settings: Settings, page: str, text: str) -> Message:
    """A conversation whose customer wrote an hour ago, and an agent's reply in the outbox."""
    workspace = await make_workspace()
    account = await make_account(
        workspace, "messenger", page, key=settings.token_encryption_keys[0]
    )
    conversation = await Conversation.create(
        workspace=workspace,
        platform_account=account,
        participant_id=f"73492058166{page[-5:]}",
        last_incoming_at=datetime.now(UTC) - timedelta(hours=1),
    )
    [message] = await queue_reply(conversation, text=text, agent="Ana", source="api")
    return message


async def settled(message: Message) -> Message | None:
    """The message once its send has a final status."""
    fresh = await Message.get(id=message.id)
    return fresh if fresh.status in ("sent", "failed") else None


async def test_a_worker_retries_a_500_once_and_never_retries_a_permanent_error(
    database: Settings, graph: FakeGraph, spawn: Spawn
) -> None:
    transient = await reply_to_customer(database, PAGE, "Your order ships today.")
    permanent = await reply_to_customer(database, OTHER_PAGE, "Hello again!")
    graph.script(
        "POST",
        f"/{PAGE}/messages",
        Scripted(500, {"error": {"message": "An unexpected error has occurred.", "code": 2}}),
    )
    graph.script("POST", f"/{OTHER_PAGE}/messages", graph_error(551, "This person isn't available"))
    worker = await spawn("worker")
    for message in (transient, permanent):
        outbox = await Outbox.get(message_id=message.id)
        await kick("send_message", str(outbox.id))

    sent = await eventually(lambda: settled(transient), what="the retried send")
    failed = await eventually(lambda: settled(permanent), what="the refused send")
    await asyncio.sleep(1.5)  # several retry periods: nothing more may reach Meta

    assert (sent.status, sent.platform_message_id) == ("sent", "m_FAKE000001")
    assert len(graph.sent(f"/{PAGE}/messages")) == 2
    outbox = await Outbox.get(message_id=transient.id)
    assert (outbox.status, outbox.attempts) == ("sent", 2)

    assert failed.status == "failed"
    assert failed.error_code == 551
    assert "isn't available" in (failed.error_message or "")
    assert len(graph.sent(f"/{OTHER_PAGE}/messages")) == 1
    assert (await Outbox.get(message_id=permanent.id)).attempts == 1
    assert worker.proc.returncode is None, worker.output()


async def test_a_killed_workers_send_is_taken_over_by_a_new_worker(
    database: Settings, graph: FakeGraph, spawn: Spawn
) -> None:
    message = await reply_to_customer(database, PAGE, "Your refund is on its way.")
    reached_meta = asyncio.Event()
    answers: list[str] = []

    async def first_call_hangs(request: web.Request, path: str, body: Any) -> web.Response:
        if not reached_meta.is_set():
            reached_meta.set()
            await asyncio.sleep(20)  # the worker is killed while it waits for this answer
        answers.append(path)
        return web.json_response({"recipient_id": "x", "message_id": "m_TAKEN_OVER"})

    graph.routes["POST /messages"] = first_call_hangs
    first = await spawn("worker")
    await kick("send_message", str((await Outbox.get(message_id=message.id)).id))
    await eventually(lambda: reached_meta.is_set(), what="the first attempt")
    await first.kill()
    assert (await Message.get(id=message.id)).status == "pending"

    second = await spawn("worker")
    sent = await eventually(lambda: settled(message), what="the send taken over")

    assert (sent.status, sent.platform_message_id) == ("sent", "m_TAKEN_OVER")
    assert answers == [f"/{PAGE}/messages"]  # one answered call: the new worker's
    assert len(graph.sent()) == 2  # the killed attempt reached the fake but got no answer
    outbox = await Outbox.get(message_id=message.id)
    assert (outbox.status, outbox.attempts) == ("sent", 2)
    assert second.proc.returncode is None, second.output()


async def test_the_scheduler_fires_sync_and_a_worker_runs_it(
    database: Settings, graph: FakeGraph, spawn: Spawn
) -> None:
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    graph.serve_pages("/conversations", conversations_page(PAGE, "7349205816634201", "m_MISSED"))
    await spawn("worker")
    await spawn("scheduler", SYNC_INTERVAL_SECONDS="1")

    stored = await eventually(
        lambda: Message.get_or_none(platform_message_id="m_MISSED"), what="the synced message"
    )
    assert (stored.source, stored.is_incoming) == ("sync", True)
    await eventually(lambda: len(graph.got("/conversations")) >= 3, what="3 runs")
    assert await Message.filter(platform_message_id="m_MISSED").count() == 1
    assert (await PlatformAccount.get(id=account.id)).last_synced_at is not None
