"""SLACK_BOT_TOKEN serves exactly one cahts workspace: a stranger's never reaches the operator.

Each test replays the attack of the report: with ALLOW_SIGNUP on, a stranger registers over
the API (no invite) and connects a page of their own; the operator's Slack (the team of
SLACK_BOT_TOKEN, threads in SLACK_CHANNEL) must neither show nor be broken by it.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from bot.install.workspaces import legacy_workspace, target_for
from bot.mirror.tasks import slack_sweep
from inbox.models import Message, PlatformAccount, Workspace
from inbox.settings import Settings
from tests.bot.conftest import CHANNEL, Loop, messenger_text, settle
from tests.bot.slash import slash
from tests.factories import make_account
from tests.fakes.slack import BOT_TOKEN

STRANGER_PAGE = "200000000000009"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    """The Slack loop with open sign-up, as the operator of the report had it."""
    return dataclasses.replace(slack_settings, allow_signup=True)


async def _stranger(loop: Loop) -> PlatformAccount:
    """Someone registers without an invite and connects a page of their own."""
    response = await loop.client.post(
        "/api/auth/register",
        json={"email": "stranger@example.net", "password": "long enough", "name": "Mallory"},
    )
    assert response.status == 201, await response.text()
    workspace_id = uuid.UUID((await response.json())["workspace_id"])
    assert workspace_id != loop.workspace.id
    workspace = await Workspace.get(id=workspace_id)
    key = loop.settings.token_encryption_keys[0]
    return await make_account(workspace, "messenger", STRANGER_PAGE, key=key, name="Evil Shop")


def _from_stranger(text: str) -> dict[str, object]:
    body = messenger_text(text, sender="9990001112223334")
    body["entry"][0]["id"] = body["entry"][0]["messaging"][0]["recipient"]["id"] = STRANGER_PAGE
    return body


async def test_a_strangers_customer_messages_never_reach_the_operators_slack(loop: Loop) -> None:
    stranger = await _stranger(loop)

    await loop.webhook("messenger", _from_stranger("stranger's customer"))
    await slack_sweep.kiq()
    await settle()

    stored = await Message.get(content="stranger's customer")
    assert stored.workspace_id == stranger.workspace_id
    assert stored.slack_posted is False
    assert "stranger's customer" not in str(loop.slack.called("chat.postMessage"))
    assert await target_for(loop.settings, stranger.workspace_id) is None
    # The operator's own customers still reach SLACK_CHANNEL with SLACK_BOT_TOKEN.
    await loop.webhook("messenger", messenger_text("operator's customer"))
    [post] = [c for c in loop.slack.called("chat.postMessage") if "operator's" in str(c.args)]
    assert (post.token, post.args["channel"]) == (BOT_TOKEN, CHANNEL)


async def test_status_in_the_operators_team_does_not_list_the_strangers_account(
    loop: Loop,
) -> None:
    await _stranger(loop)

    answer, _ = await slash(loop, "status")

    assert answer["text"] == "Inbox status: 1 connected account"
    assert "Evil Shop" not in str(answer)


async def test_stats_connect_and_digest_keep_working_for_the_operator(loop: Loop) -> None:
    await _stranger(loop)

    await slash(loop, "stats")
    digest = (await slash(loop, "digest on 7 here"))[0]["text"]
    connect = (await slash(loop, "connect messenger"))[0]["text"]

    [upload] = loop.slack.called("files.completeUploadExternal")
    assert (upload.token, upload.args["channel_id"]) == (BOT_TOKEN, CHANNEL)
    assert digest.startswith("The daily digest is on: every day at 07:00 UTC")
    assert (await Workspace.get(id=loop.workspace.id)).digest_enabled is True
    assert not await Workspace.filter(digest_enabled=True).exclude(id=loop.workspace.id).exists()
    assert "META_APP_ID" in connect  # the operator's workspace was found; no Meta app here


async def test_slack_workspace_names_the_one_workspace_the_token_serves(loop: Loop) -> None:
    stranger = await _stranger(loop)
    other = stranger.workspace_id
    assert await legacy_workspace(loop.settings) == loop.workspace.id  # the first created

    for name in (str(other), "Mallory's workspace"):
        named = dataclasses.replace(loop.settings, slack_workspace=name)
        assert await legacy_workspace(named) == other
        assert await target_for(named, loop.workspace.id) is None

    await Workspace.create(name="Mallory's workspace")  # a name two workspaces share: none
    ambiguous = dataclasses.replace(loop.settings, slack_workspace="Mallory's workspace")
    assert await legacy_workspace(ambiguous) is None
    missing = dataclasses.replace(loop.settings, slack_workspace=str(uuid.uuid4()))
    assert await legacy_workspace(missing) is None
