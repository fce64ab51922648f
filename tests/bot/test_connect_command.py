"""`/inbox connect`: a Facebook Login link the callback accepts once; the WhatsApp modal."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from inbox.models import OAuthState, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings
from tests.bot.conftest import AGENT, CHANNEL, PUBLIC_URL, Loop
from tests.bot.slash import slash
from tests.fakes.graph import FakeGraph
from tests.fakes.meta_login import MetaLogin
from tests.fakes.slack import TEAM
from web.api.platforms import BROWSER_COOKIE

META_APP_ID = "1234567890"
CALLBACK = "/api/platforms/callback"
START = "/api/platforms/start"
NUMBER, WABA, WA_TOKEN = "106540352242922", "102290129340398", "EAA-system-user-token"


@pytest.fixture
def slack_settings(slack_settings: Settings) -> Settings:
    """The Slack loop's settings with a Meta app for Facebook Login."""
    return dataclasses.replace(slack_settings, meta_app_id=META_APP_ID)


@pytest.fixture
def meta(graph: FakeGraph, slack_settings: Settings) -> MetaLogin:
    """Facebook Login (and a known WhatsApp number) on the fake Graph API."""
    login = MetaLogin(
        graph, META_APP_ID, slack_settings.meta_app_secret or "", f"{PUBLIC_URL}{CALLBACK}"
    ).install()
    login.add_whatsapp(NUMBER, WA_TOKEN)
    return login


async def _login_link(loop: Loop, platform: str) -> str:
    answer, _ = await slash(loop, f"connect {platform}")
    assert answer["response_type"] == "ephemeral"
    assert (answer.get("unfurl_links"), answer.get("unfurl_media")) == (False, False)
    [button] = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"]
    assert button["url"] in answer["text"]
    return str(button["url"])


async def _open(loop: Loop, link: str, browser: str | None = None) -> Any:
    """A browser (holding `browser`, or none yet) opens the link from Slack."""
    url = urlsplit(link)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{PUBLIC_URL}{START}"
    loop.client.session.cookie_jar.clear()
    cookies = {BROWSER_COOKIE: browser} if browser else {}
    return await loop.client.get(f"{url.path}?{url.query}", cookies=cookies, allow_redirects=False)


async def _to_facebook(loop: Loop, link: str) -> tuple[str, str]:
    """Open the link in a new browser: (the Facebook Login state, the browser's cookie)."""
    response = await _open(loop, link)
    assert response.status == 302
    dialog = urlsplit(response.headers["Location"])
    assert (dialog.netloc, dialog.path) == ("www.facebook.com", "/v21.0/dialog/oauth")
    query = parse_qs(dialog.query)
    assert query["client_id"] == [META_APP_ID]
    assert query["redirect_uri"] == [f"{PUBLIC_URL}{CALLBACK}"]
    cookie = response.cookies[BROWSER_COOKIE]
    assert (cookie["path"], cookie["httponly"], cookie["samesite"]) == (
        "/api/platforms",
        True,
        "Lax",
    )
    return query["state"][0], cookie.value


async def _back(loop: Loop, browser: str | None, **params: str) -> Any:
    """Facebook sends a browser (with this cookie, or none) back to the callback."""
    loop.client.session.cookie_jar.clear()
    cookies = {BROWSER_COOKIE: browser} if browser else {}
    return await loop.client.get(CALLBACK, params=params, cookies=cookies, allow_redirects=False)


async def test_connect_answers_a_login_link_whose_state_the_callback_accepts_once(
    loop: Loop, meta: MetaLogin
) -> None:
    link = await _login_link(loop, "messenger")
    row = await OAuthState.get()
    assert (row.workspace_id, row.user_id) == (loop.workspace.id, None)  # type: ignore[attr-defined]
    assert (row.slack_team, row.slack_user, row.slack_channel) == (TEAM, AGENT, CHANNEL)
    state, browser = await _to_facebook(loop, link)

    first = await _back(loop, browser, code=meta.code, state=state)

    assert first.status == 302
    back = urlsplit(first.headers["Location"])
    assert (back.netloc, back.path) == ("slack.com", "/app_redirect")
    assert parse_qs(back.query) == {"team": [TEAM], "channel": [CHANNEL]}
    names = sorted(
        await PlatformAccount.filter(workspace_id=loop.workspace.id, platform="messenger")
        .exclude(id=loop.account.id)
        .values_list("name", flat=True)
    )
    assert names == ["Acme Outlet"]  # the fixture's account already is the first Page
    [told] = loop.slack.called("chat.postEphemeral")
    assert (told.args["channel"], told.args["user"]) == (CHANNEL, AGENT)
    assert told.args["text"].startswith(":white_check_mark: Connected 2 Messenger")

    again = await _back(loop, browser, code=meta.code, state=state)
    assert again.status == 400
    assert "already used" in (await again.json())["error"]["message"]
    assert len(loop.slack.called("chat.postEphemeral")) == 1


async def test_a_cancelled_login_is_said_in_slack(loop: Loop, meta: MetaLogin) -> None:
    state, browser = await _to_facebook(loop, await _login_link(loop, "instagram"))

    response = await _back(loop, browser, error="access_denied", state=state)

    assert urlsplit(response.headers["Location"]).netloc == "slack.com"
    [told] = loop.slack.called("chat.postEphemeral")
    assert told.args["text"] == ":warning: the Facebook Login was cancelled"
    assert await PlatformAccount.filter(platform="instagram").count() == 0


async def _nothing_connected(loop: Loop) -> None:
    assert await PlatformAccount.all().count() == 1  # the fixture's own account
    assert loop.graph.requests == []  # no code was exchanged
    assert loop.slack.called("chat.postEphemeral") == []


async def test_a_login_that_comes_back_to_another_browser_connects_nothing(
    loop: Loop, meta: MetaLogin
) -> None:
    # The link's owner opened it (or sent it to a victim, who did): Facebook then sends a
    # browser back, but not the one that opened the link.
    state, browser = await _to_facebook(loop, await _login_link(loop, "messenger"))
    _, other_browser = await _to_facebook(loop, await _login_link(loop, "instagram"))
    assert other_browser != browser

    for stranger in (None, other_browser):
        response = await _back(loop, stranger, code=meta.code, state=state)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalid_browser"

    await _nothing_connected(loop)


async def test_the_slack_link_is_not_a_login_state_and_opens_once(
    loop: Loop, meta: MetaLogin
) -> None:
    link = await _login_link(loop, "messenger")
    ticket = parse_qs(urlsplit(link).query)["ticket"][0]

    # Put straight into a Facebook Login URL, the ticket is refused at the callback, even
    # with a cookie, and is burnt.
    _, some_browser = await _to_facebook(loop, await _login_link(loop, "instagram"))
    direct = await _back(loop, some_browser, code=meta.code, state=ticket)
    assert direct.status == 400
    assert (await direct.json())["error"]["code"] == "invalid_browser"
    burnt = await _open(loop, link)
    assert burnt.status == 400
    assert "already opened" in (await burnt.json())["error"]["message"]

    # A link opens once: a second browser (or a second click) is refused.
    fresh = await _login_link(loop, "messenger")
    await _to_facebook(loop, fresh)
    twice = await _open(loop, fresh)
    assert twice.status == 400
    assert (await twice.json())["error"] == {
        "code": "invalid_ticket",
        "field": "ticket",
        "message": "this connection link was already opened; run /inbox connect again",
    }
    await _nothing_connected(loop)


@pytest.mark.parametrize("ticket", ["", "x" * 87, "A" * 43 + "." + "B" * 43])
async def test_a_bad_ticket_is_a_400(loop: Loop, meta: MetaLogin, ticket: str) -> None:
    response = await _open(loop, f"{PUBLIC_URL}{START}?ticket={ticket}")

    assert response.status == 400
    assert (await response.json())["error"]["field"] == "ticket"
    assert BROWSER_COOKIE not in response.cookies


def _submission(values: dict[str, str], team: str = TEAM) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": AGENT, "team_id": team},
        "api_app_id": "A0CAHTS",
        "token": "legacy",
        "trigger_id": "9.9.9",
        "view": {
            "id": "V00000001",
            "type": "modal",
            "callback_id": "connect_whatsapp",
            "team_id": team,
            "private_metadata": "",
            "state": {
                "values": {
                    block: {"value": {"type": "plain_text_input", "value": value or None}}
                    for block, value in values.items()
                }
            },
        },
    }


async def test_connect_whatsapp_opens_the_modal(loop: Loop) -> None:
    answer, _ = await slash(loop, "connect whatsapp")

    assert answer == {}
    [opened] = loop.slack.called("views.open")
    assert opened.args["trigger_id"].startswith("trigger.")
    [view] = loop.slack.views
    assert view["callback_id"] == "connect_whatsapp"
    blocks = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert blocks == ["phone_number_id", "access_token", "waba_id", "name"]


async def test_a_token_meta_refuses_is_shown_in_the_modal_and_nothing_is_saved(
    loop: Loop, meta: MetaLogin
) -> None:
    response = await loop.click(
        _submission({"phone_number_id": NUMBER, "access_token": "EAA-wrong", "waba_id": WABA})
    )

    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert "Meta refused this token" in answer["errors"]["access_token"]
    assert not await PlatformAccount.exists(platform="whatsapp")
    assert loop.graph.sent("/subscribed_apps") == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"phone_number_id": "+1 555 0100", "access_token": WA_TOKEN}, "phone_number_id"),
        ({"phone_number_id": NUMBER, "access_token": "EAA with spaces"}, "access_token"),
        ({"phone_number_id": NUMBER, "access_token": ""}, "access_token"),
        ({"phone_number_id": NUMBER, "access_token": WA_TOKEN, "waba_id": "acme"}, "waba_id"),
    ],
)
async def test_malformed_fields_are_refused_before_asking_meta(
    loop: Loop, values: dict[str, str], field: str
) -> None:
    response = await loop.click(_submission(values))

    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [field]
    assert loop.graph.requests == []


async def test_a_good_number_and_token_are_saved_encrypted_and_subscribed(
    loop: Loop, meta: MetaLogin
) -> None:
    response = await loop.click(
        _submission({"phone_number_id": NUMBER, "access_token": WA_TOKEN, "waba_id": WABA})
    )

    answer = await response.json()
    assert answer["response_action"] == "update"
    assert "Connected *Acme WA*" in answer["view"]["blocks"][0]["text"]["text"]
    account = await PlatformAccount.get(platform="whatsapp", external_id=NUMBER)
    assert account.workspace_id == loop.workspace.id  # type: ignore[attr-defined]
    assert (account.user_id, account.parent_external_id) == (None, WABA)  # type: ignore[attr-defined]
    assert account.access_token != WA_TOKEN
    cipher = TokenCipher(loop.settings.token_encryption_keys)
    assert cipher.decrypt(account.access_token) == WA_TOKEN
    [subscribed] = loop.graph.sent("/subscribed_apps")
    assert subscribed.path == f"/{WABA}/subscribed_apps"


@pytest.mark.parametrize("text", ["connect", "connect signal", "connect messenger now"])
async def test_bad_arguments_get_the_usage(loop: Loop, text: str) -> None:
    answer, _ = await slash(loop, text)

    assert answer["text"] == "Usage: `/inbox connect instagram|messenger|telegram|whatsapp`"
    assert await OAuthState.all().count() == 0
    assert loop.slack.views == []
