"""A real `cahts worker` with OAuth installs only: its own bot token, the card kept current."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation

from bot.install.store import TortoiseInstallationStore
from inbox.models import Conversation
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.conversations import state as conversations
from inbox.services.ingest.pipeline import ingest
from inbox.settings import Settings
from tests.bot.conftest import messenger_text, slack_env
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack
from tests.tasks.conftest import Spawn, eventually, kick, redis_db, spawn

__all__ = ["redis_db", "spawn"]  # fixtures used from the task tests' conftest

TOKEN = "xoxb-alpha-worker"


async def test_a_worker_posts_with_the_installation_token_and_updates_the_card(
    database: Settings, graph: FakeGraph, slack: FakeSlack, spawn: Spawn
) -> None:
    workspace = await make_workspace("Alpha")
    await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    slack.teams[TOKEN] = "T0ALPHA"
    store = TortoiseInstallationStore(TokenCipher(database.token_encryption_keys))
    installed = Installation(
        team_id="T0ALPHA",
        team_name="Alpha",
        bot_token=TOKEN,
        bot_id="BALPHA",
        bot_user_id="UALPHABOT",
        user_id="U0INSTALLER",
        incoming_webhook_channel_id="C0ALPHA",
    )
    await store.save_for(installed, workspace.id)
    await ingest("messenger", messenger_text("Hello from a worker"))
    conversation = await Conversation.get()
    await conversations.resolve(workspace.id, conversation.id, actor="api")

    env = slack_env(graph, slack, database.database_url)
    env.pop("SLACK_BOT_TOKEN")
    env.update(SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret")
    worker = await spawn("worker", **{k: v for k, v in env.items() if k.startswith("SLACK")})
    await kick("slack_mirror_conversation", str(conversation.id))

    async def posted() -> bool:
        return bool(slack.roots("C0ALPHA")) and bool(
            slack.thread("C0ALPHA", slack.roots()[0]["ts"])
        )

    await eventually(posted, what="the thread in the installed team's channel")
    [root] = slack.roots("C0ALPHA")
    assert ":white_check_mark: *Resolved*" in str(root["blocks"])
    assert {c.token for c in slack.called("chat.postMessage")} == {TOKEN}
    assert (await Conversation.get()).slack_card_stale is False

    await conversations.reopen(workspace.id, conversation.id, actor="api")
    await kick("slack_mirror_conversation", str(conversation.id))

    async def reopened() -> bool:
        return ":large_green_circle: *Open*" in str(slack.roots("C0ALPHA")[0]["blocks"])

    await eventually(reopened, what="the card updated in place")
    assert [c.token for c in slack.called("chat.update")] == [TOKEN]
    assert worker.proc.returncode is None, worker.output()
    await worker.kill()
