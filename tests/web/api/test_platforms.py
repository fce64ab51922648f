"""/api/platforms on PostgreSQL against the fake Graph API: OAuth, WhatsApp, disconnect, sync."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from inbox.appkeys import BUS, SETTINGS
from inbox.bus import Subscription
from inbox.models import Message, OAuthState, PlatformAccount, User
from inbox.services.accounts.crypto import TokenCipher
from tests.bot.conftest import settle
from tests.factories import make_account, make_conversation, make_message
from tests.fakes.graph import FakeGraph
from tests.fakes.meta_login import MetaLogin
from tests.web.api.conftest import META_APP_ID, PUBLIC_URL, Member
from web.api.platforms import BROWSER_COOKIE
from web.app import create_app

CALLBACK = "/api/platforms/callback"


@pytest.fixture
def meta(graph: FakeGraph, client: TestClient) -> MetaLogin:
    """Facebook Login answering for the test app."""
    settings = client.app[SETTINGS]
    return MetaLogin(
        graph, META_APP_ID, settings.meta_app_secret or "", f"{PUBLIC_URL}{CALLBACK}"
    ).install()


def _cipher(client: TestClient) -> TokenCipher:
    return TokenCipher(client.app[SETTINGS].token_encryption_keys)


async def _start(
    client: TestClient, member: Member, platform: str = "messenger", browser: str | None = None
) -> tuple[str, str]:
    """Start a connection in a browser (holding `browser`, or none yet): (state, its cookie)."""
    cookies = {BROWSER_COOKIE: browser} if browser else {}
    response = await client.post(
        f"/api/platforms/{platform}/connect", headers=member.headers, cookies=cookies
    )
    assert response.status == 200
    url = urlsplit((await response.json())["url"])
    cookie = response.cookies[BROWSER_COOKIE]
    assert (cookie["path"], cookie["httponly"], cookie["secure"]) == ("/api/platforms", True, True)
    assert cookie["samesite"] == "Lax"
    return parse_qs(url.query)["state"][0], cookie.value


async def _callback(client: TestClient, browser: str | None, **params: str) -> Any:
    """Facebook sends a browser (with this cookie, or none) back to the callback."""
    client.session.cookie_jar.clear()
    cookies = {BROWSER_COOKIE: browser} if browser else {}
    return await client.get(CALLBACK, params=params, cookies=cookies, allow_redirects=False)


async def _events(subscription: Subscription) -> list[dict[str, Any]]:
    events = []
    while not subscription.queue.empty():
        events.append(subscription.queue.get_nowait())
    return events


async def test_list_never_shows_a_token(client: TestClient, alice: Member) -> None:
    response = await client.get("/api/platforms", headers=alice.headers)
    assert response.status == 200
    text = await response.text()
    body = await response.json()
    assert [a["id"] for a in body["items"]] == [str(alice.account.id)]
    assert body["next_cursor"] is None
    assert "EAA-test-token" not in text
    assert alice.account.access_token not in text
    assert "access_token" not in text


async def test_connect_url_is_the_facebook_login_dialog(client: TestClient, alice: Member) -> None:
    response = await client.post("/api/platforms/messenger/connect", headers=alice.headers)
    body = await response.json()
    url = urlsplit(body["url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "www.facebook.com",
        "/v21.0/dialog/oauth",
    )
    assert query["client_id"] == META_APP_ID
    assert query["redirect_uri"] == f"{PUBLIC_URL}/api/platforms/callback"
    assert query["response_type"] == "code"
    assert {"pages_messaging", "pages_manage_metadata"} <= set(query["scope"].split(","))
    [row] = await OAuthState.all()
    assert row.user_id == alice.user.id  # type: ignore[attr-defined]
    assert row.platform == "messenger"
    assert query["state"] not in row.state_hash
    assert timedelta(minutes=9) < row.expires_at - datetime.now(UTC) <= timedelta(minutes=10)


async def test_messenger_oauth_connects_every_granted_page(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    state, browser = await _start(client, alice)
    with client.app[BUS].subscribe() as events:
        response = await _callback(client, browser, code=meta.code, state=state)
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}" == PUBLIC_URL
        assert location.fragment.startswith("/platforms?")
        assert parse_qs(location.fragment.split("?", 1)[1]) == {
            "connected": ["2"],
            "platform": ["messenger"],
        }
        published = await _events(events)
    pages = {
        a.external_id: a
        for a in await PlatformAccount.filter(workspace=alice.workspace, platform="messenger")
    }
    assert set(pages) == {"111111111111111", "104578291736452", "200000000000002"}
    shop = pages["104578291736452"]
    assert shop.name == "Acme Shop"
    assert shop.user_id == alice.user.id  # type: ignore[attr-defined]
    assert shop.access_token != "EAA-page-token-1"
    assert _cipher(client).decrypt(shop.access_token) == "EAA-page-token-1"
    subscribed = [r for r in graph.requests if r.path.endswith("/subscribed_apps")]
    assert sorted(r.path for r in subscribed) == [
        "/104578291736452/subscribed_apps",
        "/200000000000002/subscribed_apps",
    ]
    assert all("messages" in r.query["subscribed_fields"].split(",") for r in subscribed)
    assert {r.authorization for r in subscribed} == {
        "Bearer EAA-page-token-1",
        "Bearer EAA-page-token-2",
    }
    exchange = [r.query for r in graph.requests if r.path == "/oauth/access_token"]
    assert exchange[0]["code"] == meta.code
    assert exchange[1]["grant_type"] == "fb_exchange_token"
    connected = [e for e in published if e["type"] == "platform_connected"]
    assert sorted(e["account"]["external_id"] for e in connected) == [
        "104578291736452",
        "200000000000002",
    ]
    assert all(e["workspace_id"] == str(alice.workspace.id) for e in connected)
    assert all("token" not in str(e["account"].keys() - {"token_expires_at"}) for e in connected)


async def test_instagram_oauth_connects_the_linked_ig_account(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    state, browser = await _start(client, alice, "instagram")
    response = await _callback(client, browser, code=meta.code, state=state)
    assert "connected=1" in response.headers["Location"]
    [account] = await PlatformAccount.filter(platform="instagram")
    assert (account.external_id, account.parent_external_id) == (
        "17841465123456789",
        "104578291736452",
    )
    assert account.name == "acme.shop"
    assert _cipher(client).decrypt(account.access_token) == "EAA-page-token-1"
    assert [r.path for r in graph.requests if r.path.endswith("/subscribed_apps")] == [
        "/104578291736452/subscribed_apps"
    ]


async def test_instagram_without_a_linked_account_says_so(
    client: TestClient, alice: Member, meta: MetaLogin
) -> None:
    meta.pages = [p for p in meta.pages if "instagram_business_account" not in p]
    state, browser = await _start(client, alice, "instagram")
    response = await _callback(client, browser, code=meta.code, state=state)
    assert response.status == 302
    assert "error=" in response.headers["Location"]
    assert "Instagram" in parse_qs(response.headers["Location"].split("?", 1)[1])["error"][0]
    assert not await PlatformAccount.exists(platform="instagram")


async def _nothing_stored(graph: FakeGraph) -> None:
    assert await PlatformAccount.all().count() == 1  # alice's own account only
    assert graph.requests == []


async def test_a_forged_state_is_refused(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    real, browser = await _start(client, alice)
    nonce, signature = real.split(".")
    forged = {
        "random": "x" * 87,
        "resigned": f"{'A' * 43}.{signature}",
        "tampered": f"{nonce}.{'B' * 43}",
        "empty": "",
    }
    for name, state in forged.items():
        response = await _callback(client, browser, code=meta.code, state=state)
        assert response.status == 400, name
        error = (await response.json())["error"]
        assert (error["code"], error["field"]) == ("invalid_state", "state")
    await _nothing_stored(graph)
    assert (await OAuthState.get()).used_at is None


async def test_a_state_is_single_use(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    state, browser = await _start(client, alice)
    first = await _callback(client, browser, code=meta.code, state=state)
    assert first.status == 302
    calls = len(graph.requests)
    await PlatformAccount.filter(platform="messenger").exclude(id=alice.account.id).delete()
    again = await _callback(client, browser, code=meta.code, state=state)
    assert again.status == 400
    assert "already used" in (await again.json())["error"]["message"]
    assert len(graph.requests) == calls
    assert await PlatformAccount.all().count() == 1


async def test_an_attackers_link_opened_in_another_browser_connects_nothing(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    from tests.web.api.conftest import signed_in

    # Mallory starts a connection and sends the victim her genuine Facebook Login link; the
    # victim (alice's browser: no cookie, or the cookie of her own earlier flow) approves it.
    mallory = await signed_in(client, "M", "mallory@example.com", "300000000000003")
    state, mallorys_browser = await _start(client, mallory)
    _, alices_browser = await _start(client, alice)

    for victim in (None, alices_browser):
        response = await _callback(client, victim, code=meta.code, state=state)
        assert response.status == 400
        error = (await response.json())["error"]
        assert (error["code"], error["field"]) == ("invalid_browser", "state")
        assert "browser" in error["message"]

    assert graph.requests == []  # the code was never exchanged
    assert await PlatformAccount.filter(workspace=mallory.workspace).count() == 1
    assert await PlatformAccount.all().count() == 2  # alice's and mallory's own accounts
    # The state another browser presented is burnt: the code cannot be replayed with it.
    again = await _callback(client, mallorys_browser, code=meta.code, state=state)
    assert again.status == 400
    assert "already used" in (await again.json())["error"]["message"]
    assert graph.requests == []


async def test_two_tabs_of_one_browser_can_connect_at_once(
    client: TestClient, alice: Member, meta: MetaLogin
) -> None:
    messenger, browser = await _start(client, alice)
    instagram, same = await _start(client, alice, "instagram", browser=browser)
    assert same == browser

    first = await _callback(client, browser, code=meta.code, state=instagram)
    second = await _callback(client, browser, code=meta.code, state=messenger)

    assert "connected=1" in first.headers["Location"]
    assert "connected=2" in second.headers["Location"]


async def test_an_expired_state_is_refused(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    state, browser = await _start(client, alice)
    await OAuthState.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = await _callback(client, browser, code=meta.code, state=state)
    assert response.status == 400
    assert "expired" in (await response.json())["error"]["message"]
    await _nothing_stored(graph)


async def test_a_state_of_a_removed_user_is_refused(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    state, browser = await _start(client, alice)
    await User.filter(id=alice.user.id).update(is_active=False)
    assert (await _callback(client, browser, code=meta.code, state=state)).status == 400
    await _nothing_stored(graph)


@pytest.mark.parametrize(
    "params", [{"error": "access_denied", "error_reason": "user_denied"}, {"code": "wrong-code"}]
)
async def test_cancelled_or_bad_code_goes_back_with_an_error(
    client: TestClient, alice: Member, meta: MetaLogin, params: dict[str, str]
) -> None:
    state, browser = await _start(client, alice)
    response = await _callback(client, browser, state=state, **params)
    assert response.status == 302
    assert response.headers["Location"].startswith(f"{PUBLIC_URL}/#/platforms?error=")
    assert await PlatformAccount.all().count() == 1
    assert (await OAuthState.get()).used_at is not None


async def test_a_page_of_another_workspace_is_not_taken(
    client: TestClient, alice: Member, meta: MetaLogin
) -> None:
    from tests.web.api.conftest import signed_in

    bob = await signed_in(client, "B", "bob@example.com", "104578291736452")
    state, browser = await _start(client, alice)
    response = await _callback(client, browser, code=meta.code, state=state)
    query = parse_qs(response.headers["Location"].split("?", 1)[1])
    assert query["connected"] == ["1"]
    assert "another cahts workspace" in query["error"][0]
    taken = await PlatformAccount.get(external_id="104578291736452")
    assert taken.workspace_id == bob.workspace.id  # type: ignore[attr-defined]
    assert _cipher(client).decrypt(taken.access_token) == "EAA-test-token"


async def test_oauth_needs_a_configured_meta_app(
    client: TestClient, alice: Member, aiohttp_client: Any
) -> None:
    settings = dataclasses.replace(client.app[SETTINGS], meta_app_id=None)
    bare = await aiohttp_client(create_app(settings))
    response = await bare.post("/api/platforms/instagram/connect", headers=alice.headers)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "not_configured"
    assert await OAuthState.all().count() == 0


async def test_whatsapp_is_checked_with_meta_then_saved(
    client: TestClient, alice: Member, meta: MetaLogin, graph: FakeGraph
) -> None:
    meta.add_whatsapp("106540352242922", "EAA-system-user")
    body = {
        "phone_number_id": "106540352242922",
        "access_token": "EAA-system-user",
        "waba_id": "102290129340398",
    }
    with client.app[BUS].subscribe() as events:
        response = await client.post(
            "/api/platforms/whatsapp/connect", json=body, headers=alice.headers
        )
        published = await _events(events)
    assert response.status == 201
    account = await response.json()
    assert account["name"] == "Acme WA"
    assert "EAA-system-user" not in await response.text()
    stored = await PlatformAccount.get(id=account["id"])
    assert _cipher(client).decrypt(stored.access_token) == "EAA-system-user"
    assert stored.parent_external_id == "102290129340398"
    check = next(r for r in graph.requests if r.path == "/106540352242922")
    assert check.authorization == "Bearer EAA-system-user"
    assert [r.path for r in graph.sent("/subscribed_apps")] == ["/102290129340398/subscribed_apps"]
    assert [e["type"] for e in published] == ["platform_connected"]
    await settle()  # its templates are listed at once, not an hour later
    assert graph.got("/102290129340398/message_templates")
    again = await client.post(
        "/api/platforms/whatsapp/connect", json={**body, "name": "Support"}, headers=alice.headers
    )
    assert again.status == 200
    assert (await again.json())["name"] == "Support"
    assert await PlatformAccount.filter(platform="whatsapp").count() == 1


async def test_whatsapp_with_a_token_meta_refuses_is_not_saved(
    client: TestClient, alice: Member, meta: MetaLogin
) -> None:
    meta.add_whatsapp("106540352242922", "EAA-system-user")
    response = await client.post(
        "/api/platforms/whatsapp/connect",
        json={"phone_number_id": "106540352242922", "access_token": "EAA-stolen"},
        headers=alice.headers,
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["field"] == "access_token"
    assert "Invalid OAuth access token" in error["message"]
    assert not await PlatformAccount.exists(platform="whatsapp")


async def test_disconnect_unsubscribes_deactivates_and_keeps_history(
    client: TestClient, alice: Member, graph: FakeGraph, meta: MetaLogin
) -> None:
    conversation = await make_conversation(alice.account)
    await make_message(conversation, "keep me")
    with client.app[BUS].subscribe() as events:
        response = await client.delete(f"/api/platforms/{alice.account.id}", headers=alice.headers)
        published = await _events(events)
    assert response.status == 204
    [unsubscribe] = [r for r in graph.requests if r.method == "DELETE"]
    assert unsubscribe.path == "/111111111111111/subscribed_apps"
    assert unsubscribe.authorization == "Bearer EAA-test-token"
    assert not (await PlatformAccount.get(id=alice.account.id)).is_active
    assert await Message.filter(content="keep me").count() == 1
    assert [e["type"] for e in published] == ["platform_disconnected"]
    again = await client.delete(f"/api/platforms/{alice.account.id}", headers=alice.headers)
    assert again.status == 204
    assert len([r for r in graph.requests if r.method == "DELETE"]) == 1
    listed = await (await client.get("/api/platforms?active=false", headers=alice.headers)).json()
    assert [a["is_active"] for a in listed["items"]] == [False]


async def test_disconnecting_instagram_keeps_the_page_subscribed_for_messenger(
    client: TestClient, alice: Member, graph: FakeGraph, meta: MetaLogin
) -> None:
    key = client.app[SETTINGS].token_encryption_keys[0]
    await make_account(alice.workspace, "messenger", "104578291736452", key=key)
    instagram = await make_account(alice.workspace, "instagram", key=key)
    await PlatformAccount.filter(id=instagram.id).update(parent_external_id="104578291736452")
    response = await client.delete(f"/api/platforms/{instagram.id}", headers=alice.headers)
    assert response.status == 204
    assert [r for r in graph.requests if r.method == "DELETE"] == []
    assert not (await PlatformAccount.get(id=instagram.id)).is_active


async def test_unsubscribe_failure_still_disconnects(
    client: TestClient, alice: Member, graph: FakeGraph
) -> None:
    response = await client.delete(f"/api/platforms/{alice.account.id}", headers=alice.headers)
    assert response.status == 204  # the fake answers 404 to DELETE: best effort
    assert not (await PlatformAccount.get(id=alice.account.id)).is_active


async def test_sync_queues_the_worker_task(client: TestClient, alice: Member) -> None:
    pytest.importorskip("inbox.tasks.sync")
    with client.app[BUS].subscribe() as events:
        response = await client.post(
            f"/api/platforms/{alice.account.id}/sync", headers=alice.headers
        )
        assert response.status == 202
        assert await response.json() == {"status": "queued", "account_id": str(alice.account.id)}
        seen = await asyncio.wait_for(_until_sync_event(events), timeout=10)
    assert str(alice.account.id) in str(seen)


async def _until_sync_event(events: Subscription) -> dict[str, Any]:
    while True:
        event = await events.get()
        if event["type"].startswith("sync_"):
            return event


async def test_sync_of_a_disconnected_account_is_refused(client: TestClient, alice: Member) -> None:
    await PlatformAccount.filter(id=alice.account.id).update(is_active=False)
    response = await client.post(f"/api/platforms/{alice.account.id}/sync", headers=alice.headers)
    assert response.status == 409
