"""The Slack loop on the embedded default (SQLite file, in-process tasks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from inbox.models import Conversation, Message
from inbox.settings import load_settings
from tests.bot.conftest import CHANNEL, Loop, messenger_text, slack_env
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack
from web.app import create_app


@pytest.fixture
def fresh_sql_cache() -> Iterator[None]:
    """Tortoise caches each table's INSERT per connection *name*, across databases: SQLite's
    `?` placeholders would then reach PostgreSQL in later tests. Start and leave it empty."""
    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()


async def test_thread_and_reply_on_sqlite(
    fresh_sql_cache: None,
    tmp_path: Path,
    graph: FakeGraph,
    slack: FakeSlack,
    aiohttp_client: Any,
) -> None:
    env = slack_env(graph, slack, f"sqlite://{tmp_path / 'cahts.db'}")
    del env["JWT_SECRET"], env["TOKEN_ENCRYPTION_KEYS"]  # generated, as in embedded mode
    settings = load_settings(env, read_dotenv=False)
    client = await aiohttp_client(create_app(settings))
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=settings.token_encryption_keys[0])
    loop = Loop(client, slack, graph, settings, workspace, account)

    await loop.webhook("messenger", messenger_text("Embedded hello"))
    conversation = await Conversation.get()
    [root] = slack.roots(CHANNEL)
    assert conversation.slack_thread_ts == root["ts"]
    assert [m["text"] for m in slack.thread(CHANNEL, root["ts"])] == ["Embedded hello"]

    _, ts = await loop.reply(conversation, "Embedded answer")
    [sent] = graph.sent()
    assert sent.json["message"] == {"text": "Embedded answer"}
    assert slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]
    assert (await Message.get(is_incoming=False)).slack_status == "sent"
