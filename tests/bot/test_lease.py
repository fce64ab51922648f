"""One mirror run per conversation: concurrent kicks never post a message twice or out of order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.mirror.conversation import Clients, mirror_conversation
from bot.mirror.lease import Taken, acquire, lease_length
from inbox.models import Conversation, Message
from inbox.settings import Settings
from tests.bot.conftest import CHANNEL
from tests.factories import make_account, make_conversation, make_message, make_workspace
from tests.fakes.slack import FakeSlack


async def _conversation(settings: Settings, messages: int) -> Conversation:
    workspace = await make_workspace()
    account = await make_account(workspace, key=settings.token_encryption_keys[0])
    conversation = await make_conversation(account, name="Jane")
    start = datetime.now(UTC) - timedelta(minutes=10)
    for n in range(messages):
        await make_message(conversation, f"message {n}", received_at=start + timedelta(seconds=n))
    return conversation


async def test_concurrent_runs_post_each_message_once_in_order(
    clients: Clients, slack: FakeSlack
) -> None:
    conversation = await _conversation(clients.settings, 12)

    outcomes = await asyncio.gather(
        *(mirror_conversation(conversation.id, clients) for _ in range(4))
    )

    assert outcomes.count("done") >= 1
    assert set(outcomes) <= {"done", "busy"}
    [root] = slack.roots(CHANNEL)
    texts = [m["text"] for m in slack.thread(CHANNEL, root["ts"])]
    assert texts == [f"message {n}" for n in range(12)]
    assert await Message.filter(slack_posted=False).count() == 0
    await conversation.refresh_from_db()
    assert conversation.slack_lease_owner is None


async def test_work_that_arrives_during_a_run_is_done_by_that_run(
    clients: Clients, slack: FakeSlack
) -> None:
    conversation = await _conversation(clients.settings, 1)
    holder = await acquire(conversation.id)
    assert holder is not None and holder.taken is Taken.FREE

    assert await acquire(conversation.id) is None  # busy: asks the holder for another round
    await conversation.refresh_from_db()
    assert conversation.slack_rerun is True
    assert await holder.release() is False  # so the holder must go round again
    await holder.start_round()
    assert await holder.release() is True


async def test_an_expired_lease_is_taken_as_stale(clients: Clients) -> None:
    conversation = await _conversation(clients.settings, 0)
    await Conversation.filter(id=conversation.id).update(
        slack_lease_owner="dead", slack_lease_until=datetime.now(UTC) - timedelta(seconds=5)
    )
    lease = await acquire(conversation.id)
    assert lease is not None and lease.taken is Taken.STALE
    assert await acquire(conversation.id) is None


async def test_renewing_writes_only_once_a_quarter_of_the_lease_has_passed(
    clients: Clients,
) -> None:
    conversation = await _conversation(clients.settings, 0)
    lease = await acquire(conversation.id)
    assert lease is not None
    marker = datetime.now(UTC) + timedelta(days=1)
    await Conversation.filter(id=conversation.id).update(slack_lease_until=marker)

    assert await lease.renew() is True  # just taken: it cannot have expired, nothing written
    assert (await Conversation.get(id=conversation.id)).slack_lease_until == marker

    lease.renewed -= lease_length().total_seconds() / 2
    assert await lease.renew() is True
    renewed = (await Conversation.get(id=conversation.id)).slack_lease_until
    assert renewed is not None and renewed < marker


async def test_a_run_that_lost_its_lease_learns_it_at_the_next_round(clients: Clients) -> None:
    conversation = await _conversation(clients.settings, 0)
    lease = await acquire(conversation.id)
    assert lease is not None
    await Conversation.filter(id=conversation.id).update(slack_lease_owner="another run")

    assert await lease.start_round() is False
    lease.renewed -= lease_length().total_seconds()
    assert await lease.renew() is False
