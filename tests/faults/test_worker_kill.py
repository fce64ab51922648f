"""`kill -9` a worker while replies wait for Meta's answer: they still reach the Graph API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from taskiq import InMemoryBroker

from inbox.bus import InProcessBus
from inbox.graph import GraphClient
from inbox.models import Message, Outbox
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sending.outbox import deliver, queue_reply
from inbox.settings import Settings
from inbox.tasks.broker import broker
from inbox.tasks.sending import send_message
from tests.bot.conftest import settle
from tests.factories import make_account, make_conversation, make_workspace
from tests.fakes.graph import FakeGraph
from tests.faults.services import PrivateRedis
from tests.faults.worker_faults import worker_kill_run
from web.wiring import attach_state


async def test_replies_survive_a_killed_worker_with_duplicates_only_from_sends_in_flight(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    run = await worker_kill_run(fault_db, tmp_path, private_redis, stop="kill")
    print(run.report("kill -9 a worker mid-send"))

    assert run.in_flight, "no send was in flight: the test proved nothing"
    assert run.accepted == run.replies
    assert run.undelivered == 0, "a reply never reached the Graph API"
    assert run.statuses == {"sent": run.replies}
    # The documented duplicate window: Meta got the request, the worker died before it
    # recorded the answer, the send is taken over and made again. Only those can double.
    assert run.duplicated <= run.claimed_at_stop
    assert max(run.arrived.values()) <= 2
    assert run.mismatched_ids == 0, "a stored message id is not the one Meta answered last"


async def test_a_worker_whose_main_process_is_killed_leaves_no_child_and_loses_no_send(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    # kill -9 reaches the main process only (an OOM kill, a supervisor's hard stop): its child
    # is told by the kernel (PR_SET_PDEATHSIG) and stops by itself, finishing its sends.
    run = await worker_kill_run(fault_db, tmp_path, private_redis, stop="kill-parent")
    print(run.report("kill -9 a worker's main process mid-send"))

    assert run.in_flight, "no send was in flight: the test proved nothing"
    assert run.figures["exit status"] == -9
    assert run.claimed_at_stop == set(), "the orphaned child left sends half done"
    assert run.undelivered == 0
    assert run.duplicates == 0, f"sent twice: {sorted(run.duplicated)}"
    assert run.statuses == {"sent": run.replies}
    assert "stopping (SIGTERM)" in run.worker_logs


@pytest.fixture
async def in_process(database: Settings) -> AsyncIterator[None]:
    """The module broker in memory, with the state a worker gives it."""
    assert isinstance(broker, InMemoryBroker), "tests run without REDIS_URL"
    attach_state(broker.state, database, InProcessBus())
    await broker.startup()
    yield
    await broker.wait_all()
    await broker.shutdown()
    await broker.state.graph.close()


async def test_a_send_finished_by_a_killed_worker_still_lets_the_next_one_go(
    in_process: None, database: Settings, graph: FakeGraph
) -> None:
    # Two replies to one conversation leave in order: the second waits for the first to
    # resume it. The worker sending the first dies after Meta answered and the row was
    # marked sent, before it resumed the second; the first's task comes back to a new worker.
    workspace = await make_workspace()
    account = await make_account(workspace, key=database.token_encryption_keys[0])
    conversation = await make_conversation(account)
    [first] = await queue_reply(conversation, text="First", agent="Ana", source="api")
    [second] = await queue_reply(conversation, text="Second", agent="Ana", source="api")
    first_row = await Outbox.get(message_id=first.id)
    cipher = TokenCipher(database.token_encryption_keys)
    client = GraphClient(database.meta_graph_url)
    try:
        assert await deliver(first_row.id, graph=client, cipher=cipher) == "sent"
    finally:
        await client.close()

    await send_message.kiq(str(first_row.id))  # the redelivered task of the dead worker
    await settle()

    assert [r.json["message"]["text"] for r in graph.sent()] == ["First", "Second"]
    assert (await Message.get(id=second.id)).status == "sent"
