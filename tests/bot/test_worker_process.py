"""The same Slack code in a real `cahts worker` on Redis: mirror a thread, mark a send."""

from __future__ import annotations

from inbox.models import Conversation, Message, Outbox
from inbox.services.ingest.pipeline import ingest
from inbox.services.sending.outbox import queue_reply
from inbox.settings import Settings
from tests.bot.conftest import CHANNEL, CUSTOMER, messenger_text, slack_env
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack
from tests.tasks.conftest import Spawn, eventually, kick, redis_db, spawn

__all__ = ["redis_db", "spawn"]  # fixtures used from the task tests' conftest


async def test_a_worker_posts_the_thread_and_marks_the_agents_reply(
    database: Settings, graph: FakeGraph, slack: FakeSlack, spawn: Spawn
) -> None:
    workspace = await make_workspace()
    await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    await ingest("messenger", messenger_text("Hello from the worker test"))
    conversation = await Conversation.get()
    env = slack_env(graph, slack, database.database_url)
    worker = await spawn("worker", **{k: v for k, v in env.items() if k.startswith("SLACK")})

    await kick("slack_mirror_conversation", str(conversation.id))

    async def mirrored() -> bool:
        return (await Message.get()).slack_posted

    await eventually(mirrored, what="the customer's message in Slack")
    [root] = slack.roots(CHANNEL)
    assert [m["text"] for m in slack.thread(CHANNEL, root["ts"])] == ["Hello from the worker test"]

    await conversation.refresh_from_db()
    [reply] = await queue_reply(
        conversation, text="Hi!", agent="Ana", source="slack", slack_ts="1800000000.000500"
    )
    await kick("send_message", str((await Outbox.get(message_id=reply.id)).id))

    async def marked() -> list[str]:
        return slack.marks(CHANNEL, "1800000000.000500")

    assert await eventually(marked, what="the sent mark") == ["ballot_box_with_check"]
    [sent] = graph.sent()
    assert sent.json["recipient"] == {"id": CUSTOMER}
    assert worker.proc.returncode is None, worker.output()
    await worker.kill()  # nothing left to finish; spares the graceful-stop wait
