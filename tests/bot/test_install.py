"""Multi-workspace install: Slack OAuth on our database, and workspaces kept apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientResponse

from bot.install.oauth import install_link
from bot.mirror.tasks import slack_sweep
from inbox.models import Conversation, Message, PlatformAccount, SlackInstallation, Workspace
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import load_settings
from tests.bot.conftest import CHANNEL, PUBLIC_URL, Loop, messenger_text, settle, slack_env
from tests.conftest import truncate
from tests.factories import make_account, make_conversation, make_workspace
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import BOT_TOKEN, FakeSlack, bot_user_of
from web.app import create_app

PAGE_A, PAGE_B = "104578291736452", "200000000000002"
ALPHA, BRAVO = "T0ALPHA", "T0BRAVO"
TOKEN_A, TOKEN_B = "xoxb-alpha-bot", "xoxb-bravo-bot"
COOKIE = "slack-app-oauth-state"


@pytest.fixture(params=["oauth only", "oauth and SLACK_BOT_TOKEN"])
async def oauth(
    request: pytest.FixtureRequest,
    pg_database: str,
    graph: FakeGraph,
    slack: FakeSlack,
    aiohttp_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Loop]:
    """The app with Slack OAuth on (with or without a single-workspace bot token too)."""
    monkeypatch.setenv("SLACK_SWEEP_GRACE_SECONDS", "0")
    env = slack_env(
        graph, slack, pg_database, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret"
    )
    if request.param == "oauth only":
        env.pop("SLACK_BOT_TOKEN")
    settings = load_settings(env, read_dotenv=False)
    await truncate(settings.database_url)
    client = await aiohttp_client(create_app(settings))
    workspace = await make_workspace("Alpha shop")
    account = await make_account(workspace, key=settings.token_encryption_keys[0])
    yield Loop(client, slack, graph, settings, workspace, account)
    await settle()


async def install(
    loop: Loop, workspace: Workspace, team: str, token: str, channel: str | None = None
) -> ClientResponse:
    """Run the whole OAuth flow as a browser would; returns the final page."""
    link = urlsplit(install_link(loop.settings, workspace.id))
    start = await loop.client.get(f"{link.path}?{link.query}", allow_redirects=False)
    assert start.status == 302, await start.text()
    to_slack = urlsplit(start.headers["Location"])
    params = parse_qs(to_slack.query)
    assert to_slack.netloc == "slack.com" and params["client_id"] == ["111.222"]
    assert params["redirect_uri"] == [f"{PUBLIC_URL}/slack/oauth_redirect"]
    assert "incoming-webhook" in params["scope"][0].split(",")
    state = params["state"][0]
    assert start.cookies[COOKIE].value == state
    code = f"code-{team}"
    loop.slack.grant(code, team, token, name=f"{team} Inc", channel=channel)
    return await loop.client.get(
        f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": f"{COOKIE}={state}"}
    )


async def test_an_install_stores_the_bot_encrypted_and_ties_the_team_to_the_workspace(
    oauth: Loop,
) -> None:
    page = await install(oauth, oauth.workspace, ALPHA, TOKEN_A, channel="C0ALPHA")
    assert page.status == 200
    assert "installed in the Slack workspace T0ALPHA Inc" in await page.text()

    row = await SlackInstallation.get(team_id=ALPHA)
    assert row.workspace_id == oauth.workspace.id  # type: ignore[attr-defined]
    assert TOKEN_A not in row.bot_token
    assert TokenCipher(oauth.settings.token_encryption_keys).decrypt(row.bot_token) == TOKEN_A
    assert (row.default_channel, row.bot_user_id) == ("C0ALPHA", bot_user_of(ALPHA))
    assert (await Workspace.get(id=oauth.workspace.id)).slack_team_id == ALPHA

    await oauth.webhook("messenger", messenger_text("hello alpha"))
    [root] = oauth.slack.roots("C0ALPHA")
    assert {c.token for c in oauth.slack.called("chat.postMessage")} == {TOKEN_A}
    assert [m["text"] for m in oauth.slack.thread("C0ALPHA", root["ts"])] == ["hello alpha"]


@pytest.mark.parametrize(
    ("query", "cookie", "status", "says"),
    [
        ("error=access_denied&state=x", False, 200, "cancelled in Slack"),
        ("code=c&state=never-issued", True, 401, "expired or was already used"),
        ("code=c&state={state}", False, 400, "did not start the installation"),
        ("code=unknown-code&state={state}", True, 401, "did not accept the authorization code"),
    ],
)
async def test_a_broken_callback_is_explained_and_stores_nothing(
    oauth: Loop, query: str, cookie: bool, status: int, says: str
) -> None:
    link = urlsplit(install_link(oauth.settings, oauth.workspace.id))
    start = await oauth.client.get(f"{link.path}?{link.query}", allow_redirects=False)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    shown = query.format(state=state)
    value = "never-issued" if "never-issued" in shown else state
    headers = {"Cookie": f"{COOKIE}={value}"} if cookie else {}
    page = await oauth.client.get(f"/slack/oauth_redirect?{shown}", headers=headers)
    assert page.status == status
    assert says in await page.text()
    assert await SlackInstallation.all().count() == 0


async def test_install_links_must_be_valid_and_states_single_use(oauth: Loop) -> None:
    for bad in ("", "?ticket=forged.token.here"):
        page = await oauth.client.get(f"/slack/install{bad}", allow_redirects=False)
        assert page.status == 400
        assert "install link is not valid" in await page.text()
    done = await install(oauth, oauth.workspace, ALPHA, TOKEN_A)
    assert done.status == 200
    state = parse_qs(urlsplit(str(done.url)).query)["state"][0]
    oauth.slack.grant("again", ALPHA, TOKEN_A)
    replay = await oauth.client.get(
        f"/slack/oauth_redirect?code=again&state={state}", headers={"Cookie": f"{COOKIE}={state}"}
    )
    assert replay.status == 401


async def test_a_team_tied_to_one_workspace_cannot_be_installed_into_another(
    oauth: Loop,
) -> None:
    await install(oauth, oauth.workspace, ALPHA, TOKEN_A)
    other = await make_workspace("Someone else")
    page = await install(oauth, other, ALPHA, "xoxb-alpha-second")
    assert page.status == 409
    assert "already connected to another cahts workspace" in await page.text()
    assert (await Workspace.get(id=other.id)).slack_team_id is None
    row = await SlackInstallation.get(team_id=ALPHA)
    assert row.workspace_id == oauth.workspace.id  # type: ignore[attr-defined]


async def test_without_oauth_settings_the_install_routes_say_so(loop: Loop) -> None:
    response = await loop.client.get("/slack/install")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "oauth_not_configured"


async def _two_workspaces(oauth: Loop) -> tuple[Conversation, Conversation]:
    """Alpha (the fixture's workspace) and Bravo installed, each with one conversation."""
    bravo = await make_workspace("Bravo shop")
    await make_account(
        bravo, "messenger", PAGE_B, key=oauth.settings.token_encryption_keys[0], token="EAA-b"
    )
    await install(oauth, oauth.workspace, ALPHA, TOKEN_A, channel="C0ALPHA")
    await install(oauth, bravo, BRAVO, TOKEN_B, channel="C0BRAVO")
    await oauth.webhook("messenger", messenger_text("alpha's secret"))
    body = messenger_text("bravo's secret", sender="9990001112223334")
    body["entry"][0]["id"] = body["entry"][0]["messaging"][0]["recipient"]["id"] = PAGE_B
    await oauth.webhook("messenger", body)
    a = await Conversation.get(workspace_id=oauth.workspace.id)
    b = await Conversation.get(workspace_id=bravo.id)
    return a, b


async def test_two_installed_workspaces_never_see_each_others_conversations(
    oauth: Loop,
) -> None:
    a, b = await _two_workspaces(oauth)
    slack = oauth.slack
    assert (a.slack_channel, b.slack_channel) == ("C0ALPHA", "C0BRAVO")
    assert {p["channel"] for p in slack.posted_with(TOKEN_A)} == {"C0ALPHA"}
    assert {p["channel"] for p in slack.posted_with(TOKEN_B)} == {"C0BRAVO"}
    assert "bravo's secret" not in str(slack.posted_with(TOKEN_A))
    assert "alpha's secret" not in str(slack.posted_with(TOKEN_B))
    b_message = await Message.get(conversation_id=b.id)

    # Alpha's team reaches for Bravo's conversation every way it could: nothing happens.
    await oauth.reply(b, "from the wrong team", team=ALPHA)
    said = await oauth.command(f"relink {b.id}", channel="C0ALPHA", team=ALPHA)
    assert said == "No conversation with that id in this Slack workspace's inbox."
    said = await oauth.command("relink bravo", channel="C0ALPHA", team=ALPHA)
    assert said.startswith("No conversation with a customer called")
    press = {
        "type": "block_actions",
        "user": {"id": "U0ALPHAAGENT", "team_id": ALPHA},
        "team": {"id": ALPHA},
        "channel": {"id": "C0BRAVO"},
        "trigger_id": "1",
        "api_app_id": "A0CAHTS",
        "token": "legacy",
        "container": {"type": "message", "message_ts": b.slack_thread_ts},
        "actions": [{"action_id": "conversation_resolve", "value": str(b.id), "type": "button"}],
    }
    await oauth.click(press)
    reaction = {
        "type": "reaction_added",
        "user": "U0ALPHAAGENT",
        "reaction": "heart",
        "item": {"type": "message", "channel": "C0BRAVO", "ts": b_message.slack_ts},
    }
    await oauth.event(reaction, team=ALPHA)
    await oauth.shortcut(
        {"channel": "C0BRAVO", "ts": b.slack_thread_ts, "text": "card"}, team=ALPHA
    )

    assert oauth.graph.sent() == []
    told = [(c.token, c.args["text"]) for c in slack.called("chat.postEphemeral")]
    assert told == [
        (TOKEN_A, "That conversation is not in this Slack workspace's inbox."),
        (TOKEN_A, "That message is not in a cahts conversation thread: use it on a thread's root."),
    ]
    stored = await Conversation.get(id=b.id)
    assert (stored.status, stored.slack_relink, stored.slack_thread_ts) == (
        "open",
        None,
        b.slack_thread_ts,
    )
    assert (await Message.get(id=b_message.id)).agent_reaction is None
    assert len(slack.roots()) == 2

    # Bravo's own team is served as usual.
    await oauth.reply(b, "from bravo", team=BRAVO)
    [sent] = oauth.graph.sent()
    assert sent.path == f"/{PAGE_B}/messages" and sent.authorization == "Bearer EAA-b"


async def test_a_team_cahts_does_not_serve_is_refused(oauth: Loop) -> None:
    a, _ = await _two_workspaces(oauth)
    response, _ = await oauth.reply(a, "who am I?", team="T0STRANGER")
    assert response.status == 200
    assert oauth.graph.sent() == []
    assert await Message.filter(is_incoming=False).count() == 0


async def test_an_uninstalled_team_gets_nothing_until_it_installs_again(oauth: Loop) -> None:
    a, _ = await _two_workspaces(oauth)
    uninstalled = {"type": "app_uninstalled"}
    assert (await oauth.event(uninstalled, team=ALPHA)).status == 200
    assert not await SlackInstallation.exists(team_id=ALPHA)
    posts = len(oauth.slack.called("chat.postMessage"))

    await oauth.webhook("messenger", messenger_text("are you there?"))
    await slack_sweep.kiq()
    await settle()
    assert len(oauth.slack.called("chat.postMessage")) == posts  # not even with SLACK_BOT_TOKEN
    waiting = await Message.get(content="are you there?")
    assert waiting.slack_posted is False

    await install(oauth, oauth.workspace, ALPHA, "xoxb-alpha-new", channel="C0ALPHA")
    await slack_sweep.kiq()
    await settle()
    await waiting.refresh_from_db()
    assert waiting.slack_posted is True
    assert oauth.slack.posted_with("xoxb-alpha-new")[-1]["text"] == "are you there?"
    assert (await Conversation.get(id=a.id)).slack_thread_ts == a.slack_thread_ts


async def test_the_single_workspace_token_serves_untied_workspaces_beside_installs(
    loop: Loop,
) -> None:
    """SLACK_BOT_TOKEN alone: an installed-elsewhere workspace is never posted with it."""
    elsewhere = await make_workspace("Tied to another team")
    await Workspace.filter(id=elsewhere.id).update(slack_team_id="T0ELSEWHERE")
    account = await make_account(
        elsewhere, "messenger", PAGE_B, key=loop.settings.token_encryption_keys[0]
    )
    tied = await make_conversation(account, "9990001112223334")
    await Message.create(
        workspace_id=elsewhere.id,
        platform_account_id=account.id,
        conversation=tied,
        platform_message_id="m_tied",
        content="must not reach the single workspace's Slack",
        is_incoming=True,
        received_at=tied.last_message_at,
    )
    await loop.webhook("messenger", messenger_text("untied workspace: fine"))
    await slack_sweep.kiq()
    await settle()

    texts = [c.args["text"] for c in loop.slack.called("chat.postMessage")]
    assert "untied workspace: fine" in texts
    assert "must not reach the single workspace's Slack" not in texts
    assert {c.token for c in loop.slack.called("chat.postMessage")} == {BOT_TOKEN}
    assert (await PlatformAccount.get(id=loop.account.id)).slack_channel is None
    assert (await Conversation.get(id=tied.id)).slack_thread_ts is None
    assert loop.slack.roots(CHANNEL)
