"""The digest in two real `cahts worker` processes, kicked twice: one post per account."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import redis.asyncio as aioredis

from inbox.models import PlatformAccount, SlackDigest, Workspace
from inbox.settings import Settings
from inbox.tasks.broker import CONSUMER_GROUP, QUEUE_NAME
from tests.bot.conftest import CHANNEL, slack_env
from tests.factories import make_account, make_conversation, make_message, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack
from tests.tasks.conftest import Spawn, eventually, kick, redis_db, spawn

__all__ = ["redis_db", "spawn"]  # fixtures used from the task tests' conftest


async def test_two_workers_and_two_kicks_post_each_accounts_digest_once(
    database: Settings,
    graph: FakeGraph,
    slack: FakeSlack,
    spawn: Spawn,
    redis_db: aioredis.Redis,
) -> None:
    key = database.token_encryption_keys[0]
    workspace = await make_workspace()
    await Workspace.filter(id=workspace.id).update(digest_enabled=True, digest_hour_utc=0)
    shop = await make_account(workspace, "messenger", key=key, name="Acme Shop")
    wa = await make_account(workspace, "whatsapp", key=key, name="Acme WA")
    await PlatformAccount.filter(id=wa.id).update(slack_channel="C0WHATSAPP")
    at = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(12), tzinfo=UTC)
    for account in (shop, wa):
        await make_message(await make_conversation(account), "hello", received_at=at)
    await PlatformAccount.all().update(created_at=at - timedelta(days=30))
    env = slack_env(graph, slack, database.database_url)
    slack_only = {k: v for k, v in env.items() if k.startswith("SLACK")}
    workers = [await spawn("worker", **slack_only) for _ in range(2)]

    await kick("slack_daily_digest")
    await kick("slack_daily_digest")

    async def both_posted() -> bool:
        return await SlackDigest.filter(status="posted").count() == 2

    async def both_runs_done() -> bool:
        groups = await redis_db.xinfo_groups(QUEUE_NAME)
        group = next(g for g in groups if g["name"].decode() == CONSUMER_GROUP)
        return bool(group["entries-read"] == 2 and group["pending"] == 0)

    await eventually(both_posted, what="both digests posted")
    await eventually(both_runs_done, what="both kicks run and acknowledged")
    assert sorted(u["channel"] for u in slack.uploads) == [CHANNEL, "C0WHATSAPP"]
    for worker in workers:
        assert worker.proc.returncode is None, worker.output()
        await worker.kill()
    assert len(slack.uploads) == 2
