"""`kill -9` the worker sending a WhatsApp template: it reaches Meta at most once.

A plain reply whose worker died mid-send is sent again (docs/reliability.md, section 5); a
template is billed and must not be, so a dead attempt's template ends failed with the
"uncertain" explanation for an agent to decide. These run `cahts serve` and `cahts worker` on
a private Redis against a fake Graph API that holds the send open until the test lets go.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from inbox.graph import GraphClient
from inbox.models import PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sending.outbox import UNCERTAIN_TEMPLATE, due_outbox
from inbox.services.templates.catalog import refresh_account
from inbox.tasks.broker import CONSUMER_GROUP, QUEUE_NAME, build_broker
from inbox.tasks.sending import flush_outbox, send_message
from tests.factories import make_conversation
from tests.fakes.graph import FakeGraph
from tests.faults.ledger import connected, fetch
from tests.faults.sender import WHATSAPP_NUMBER
from tests.faults.services import PrivateRedis
from tests.faults.stack import FAST, Stack, eventually
from tests.helpers import load_fixture

WABA = "102290129340398"
TEMPLATE = {
    "name": "jaspers_market_order_delivery_update_named_us",
    "language": "en",
    "parameters": {
        "header.order_type": "Order",
        "body.order_id": "A-17",
        "body.customer_name": "Sam",
    },
}
# Long enough that the worker's own cut-off (half the lease) cannot come before the kill,
# which follows the request's arrival within a poll; the test checks it did not.
LEASE = "8"


@dataclass
class HeldGraph:
    """`POST /{phone-number-id}/messages` that answers only once `release` is set."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    answered: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request, path: str, body: Any) -> web.Response:
        """Record the send, hold it open, then answer as the Cloud API does."""
        self.bodies.append(body)
        await self.release.wait()
        mid = f"wamid.TEMPLATE{len(self.bodies):04d}"
        self.answered.append(mid)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": mid}],
            }
        )


async def _setup(
    tmp_path: Path, db: str, redis: PrivateRedis
) -> tuple[Stack, FakeGraph, HeldGraph]:
    """The stack's env, the WhatsApp number's approved templates stored, a closed window."""
    graph = await FakeGraph().start()
    held = HeldGraph()
    graph.routes["POST /messages"] = held.handle
    graph.serve_templates(
        WABA,
        load_fixture("graph", "whatsapp_message_templates_page1"),
        load_fixture("graph", "whatsapp_message_templates_page2"),
    )
    stack = await Stack.prepare(
        tmp_path, db, REDIS_URL=redis.url(), META_GRAPH_URL=graph.url,
        **{**FAST, "SEND_LEASE_SECONDS": LEASE},
    )  # fmt: skip
    async with connected(db) as settings:
        number = await PlatformAccount.get(platform="whatsapp", external_id=WHATSAPP_NUMBER)
        number.parent_external_id = WABA
        await number.save(update_fields=["parent_external_id"])
        client = GraphClient(graph.url)
        try:
            assert await refresh_account(
                client, TokenCipher(settings.token_encryption_keys), number
            )
        finally:
            await client.close()
        await make_conversation(number, "16505551234", customer_wrote=timedelta(hours=30))
    return stack, graph, held


async def _queue_template(stack: Stack) -> str:
    """Send the template through `POST /api/messages` on the running server: its message id."""
    assert stack.server is not None
    headers = {"Authorization": f"Bearer {await stack.token()}"}
    [conversation] = await fetch(
        stack.database_url, "SELECT id FROM conversations WHERE participant_id = '16505551234'"
    )
    body = {"conversation_id": str(conversation["id"]), "template": TEMPLATE}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{stack.server.base}/api/messages", json=body) as response:
            assert response.status == 201, await response.text()
            return str((await response.json())["id"])


async def _row(db: str, message_id: str) -> dict[str, Any]:
    [row] = await fetch(
        db,
        "SELECT m.status, m.error_message, m.platform_message_id, o.id AS outbox_id,"
        " o.status AS outbox_status, o.attempts, o.last_error"
        " FROM messages m JOIN outbox o ON o.message_id = m.id WHERE m.id = $1",
        uuid.UUID(message_id),
    )
    return dict(row)


async def _kick_again_and_drain(redis_url: str, outbox_id: uuid.UUID) -> None:
    """Another copy of the send task and an outbox sweep, through Redis; wait until consumed."""
    kicker = build_broker(redis_url)
    await kicker.startup()
    try:
        await send_message.kicker().with_broker(kicker).kiq(str(outbox_id))
        await flush_outbox.kicker().with_broker(kicker).kiq()
    finally:
        await kicker.shutdown()
    async with Redis.from_url(redis_url) as redis:

        async def consumed() -> bool:
            last = (await redis.xinfo_stream(QUEUE_NAME))["last-generated-id"]
            [group] = [
                g
                for g in await redis.xinfo_groups(QUEUE_NAME)
                if g["name"] in (CONSUMER_GROUP, CONSUMER_GROUP.encode())
            ]
            return bool(group["pending"] == 0 and group["last-delivered-id"] == last)

        await eventually(consumed, 30, "the worker to run (and acknowledge) both tasks")


def _only_send(graph: FakeGraph) -> dict[str, Any]:
    """The one request the Graph API got on the number's `/messages` (AssertionError if not one)."""
    sends = graph.sent()
    assert len(sends) == 1, f"the template reached the Graph API {len(sends)} times"
    assert sends[0].path == f"/{WHATSAPP_NUMBER}/messages"
    return dict(sends[0].json)


async def test_a_template_whose_worker_is_killed_mid_send_is_failed_as_uncertain_never_resent(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    stack, graph, held = await _setup(tmp_path, fault_db, private_redis)
    try:
        await stack.start("serve", "worker")
        await stack.worker(0).wait_for("worker ready")
        message_id = await _queue_template(stack)
        await eventually(lambda: held.bodies, 30, "the template to reach the Graph API")

        await stack.worker(0).kill()
        at_kill = await _row(fault_db, message_id)
        # The dead attempt still holds its claim: nothing was recorded, not even its own
        # cut-off at half the lease, so what follows is the takeover's doing.
        assert (at_kill["outbox_status"], at_kill["attempts"], at_kill["status"]) == (
            "sending", 1, "pending",
        )  # fmt: skip

        await stack.start("worker")  # takes the dead worker's task after TASK_REDELIVERY_SECONDS

        async def failed() -> bool:
            return (await _row(fault_db, message_id))["status"] == "failed"

        await eventually(failed, 40, "the new worker to fail the abandoned template")
        after_takeover = await _row(fault_db, message_id)
        await _kick_again_and_drain(private_redis.url(), after_takeover["outbox_id"])
        async with connected(fault_db):
            due = await due_outbox()
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        held.release.set()
        await stack.stop()
        await graph.close()

    sent = _only_send(graph)
    assert sent["type"] == "template"
    assert sent["to"] == "16505551234"
    assert sent["template"]["name"] == TEMPLATE["name"]
    final = await _row(fault_db, message_id)
    assert final == after_takeover, "a later task or sweep changed the failed template"
    assert (final["status"], final["error_message"]) == ("failed", UNCERTAIN_TEMPLATE)
    assert (final["outbox_status"], final["last_error"]) == ("failed", UNCERTAIN_TEMPLATE)
    assert final["attempts"] == 1, "the takeover claimed the row for another send"
    assert final["platform_message_id"].startswith("pending:")
    assert final["outbox_id"] not in due


async def test_a_template_queued_while_no_worker_runs_is_sent_once_by_the_next(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    stack, graph, held = await _setup(tmp_path, fault_db, private_redis)
    held.release.set()  # Meta answers at once
    try:
        await stack.start("serve", "worker")
        await stack.worker(0).wait_for("worker ready")
        await stack.worker(0).kill()  # before any send
        await eventually(lambda: not stack.worker(0).group_left(), 10, "the worker to be gone")
        message_id = await _queue_template(stack)
        queued = await _row(fault_db, message_id)
        assert (queued["status"], queued["outbox_status"], queued["attempts"]) == (
            "pending", "pending", 0,
        )  # fmt: skip
        assert graph.sent() == []

        await stack.start("worker")

        async def sent() -> bool:
            return (await _row(fault_db, message_id))["status"] == "sent"

        await eventually(sent, 30, "the new worker to send the template")
        await _kick_again_and_drain(private_redis.url(), queued["outbox_id"])
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        await stack.stop()
        await graph.close()

    request = _only_send(graph)
    assert request["type"] == "template"
    assert request["template"]["name"] == TEMPLATE["name"]
    final = await _row(fault_db, message_id)
    assert (final["status"], final["outbox_status"], final["attempts"]) == ("sent", "sent", 1)
    assert final["platform_message_id"] == held.answered[0]
