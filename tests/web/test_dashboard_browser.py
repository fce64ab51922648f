"""The dashboard in a real browser (Debian's Chromium through Playwright) against the real app.

The app runs on PostgreSQL with the in-process broker, so a reply goes through the outbox and
the send task to the fake Graph API, and webhooks arrive signed as Meta signs them.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode
from playwright.sync_api import Page, Route, expect

from inbox.models import Conversation, Message, PlatformAccount, User
from tests.browser import BrowserApp, chromium_missing, sign_in
from tests.browser_fixtures import DESKTOP
from tests.conftest import APP_SECRET
from tests.factories import (
    FIXTURE_ACCOUNTS,
    make_account,
    make_conversation,
    make_message,
    make_owner,
    make_workspace,
)
from tests.fakes.graph import Scripted, conversations_page
from tests.helpers import load_fixture, sign_meta
from web.ws import SOCKETS

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

PHONE = {"width": 390, "height": 844}
HOSTILE = '<img src=x onerror="window.pwned=1">'


async def _owner(email: str, *platforms: str) -> User:
    from tests.conftest import FERNET_KEY

    workspace = await make_workspace(email)
    for platform in platforms:
        await make_account(workspace, platform, key=FERNET_KEY)
    return await make_owner(workspace, email)


def _post_webhook(app: BrowserApp, platform: str, body: dict[str, Any]) -> None:
    """POST a webhook signed as Meta signs it; Meta gets its 200."""
    raw = json.dumps(body).encode()

    async def post() -> int:
        async with aiohttp.ClientSession() as session:
            url = f"{app.base_url}/api/webhooks/{platform}"
            async with session.post(url, data=raw, headers=sign_meta(raw, APP_SECRET)) as answer:
                return answer.status

    assert app.run(post()) == 200


def _messenger_now(text: str) -> dict[str, Any]:
    """The Messenger text fixture as Meta would send it now (fresh id and timestamps)."""
    body = load_fixture("messenger", "text")
    now = int(time.time() * 1000)
    body["entry"][0]["time"] = now
    event = body["entry"][0]["messaging"][0]
    event["timestamp"] = now
    event["message"] = {"mid": f"m_{uuid.uuid4().hex}", "text": text}
    return body


def _whatsapp_now(name: str = "text", number: str | None = None) -> dict[str, Any]:
    """A WhatsApp fixture sent now, with a fresh message id (pywa's samples share one)."""
    body = load_fixture("whatsapp", name)
    value = body["entry"][0]["changes"][0]["value"]
    if number is not None:
        value["metadata"]["phone_number_id"] = number
    value["messages"][0]["timestamp"] = str(int(time.time()))
    value["messages"][0]["id"] = f"wamid.{uuid.uuid4().hex}"
    return body


async def _unread(conversation_id: str | None) -> tuple[int, int]:
    """The conversation's unread count and its unread messages, as stored."""
    conversation = await Conversation.get(id=conversation_id)
    unread = await Message.filter(conversation_id=conversation_id, is_read=False).count()
    return conversation.unread_count, unread


def _until(check: Callable[[], Any], what: str, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_live_conversation_reply_and_mark_read(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    live.run(_owner("live@example.com", "messenger", "whatsapp"))
    page = open_page(viewport=DESKTOP)
    sign_in(page, live.base_url, "live@example.com")
    page.get_by_role("link", name="Chats", exact=True).click()
    page.get_by_text("No conversations yet").wait_for()
    expect(page.locator("#live")).to_have_text("live")

    _post_webhook(live, "messenger", _messenger_now(f"Is the blue one available? {HOSTILE}"))
    expect(page.locator("li[data-conversation-id]")).to_have_count(1)
    conversation_id = page.locator("li[data-conversation-id]").get_attribute("data-conversation-id")
    item = page.locator(f"li[data-conversation-id='{conversation_id}']")
    badge = item.locator(".badge")
    expect(badge).to_have_text("1")
    expect(item).to_contain_text("1423587017700273")  # the text fixture's customer

    item.get_by_role("link").click()
    expect(page.locator("li.msg.in .text")).to_have_text(f"Is the blue one available? {HOSTILE}")
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(badge).to_be_hidden()
    _until(lambda: live.run(_unread(conversation_id)) == (0, 0), "the database to say read")

    # Another customer writes while this conversation is open: only that one shows unread.
    _post_webhook(live, "whatsapp", _whatsapp_now())
    other = page.locator("li[data-conversation-id]", has_text="Test Name")
    expect(other.locator(".badge")).to_have_text("1")
    expect(badge).to_be_hidden()

    page.get_by_label("Reply").fill("Yes, <b>it ships</b> tomorrow")
    page.get_by_role("button", name="Send").click()
    mine = page.locator("li.msg.out")
    expect(mine.locator(".text")).to_have_text("Yes, <b>it ships</b> tomorrow")
    [sent] = _until(live.graph.sent, "the Graph API to receive the reply")
    assert sent.path == f"/{FIXTURE_ACCOUNTS['messenger']}/messages"
    assert sent.json["message"] == {"text": "Yes, <b>it ships</b> tomorrow"}
    assert sent.json["recipient"] == {"id": "1423587017700273"}
    expect(mine.locator(".status")).to_have_text("sent")
    assert page.evaluate("window.pwned") is None

    # Slack links each thread to PUBLIC_URL/conversations/<id>: it opens this conversation.
    page.goto(f"{live.base_url}/conversations/{conversation_id}")
    expect(page.locator("li.msg.out .text")).to_have_text("Yes, <b>it ships</b> tomorrow")
    assert page.url.endswith(f"/#/chats/{conversation_id}")


def test_a_conversation_that_arrives_while_the_list_loads_stays_in_it(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    live.run(_owner_of_the_fixture_accounts("race@example.com", "messenger"))
    page = open_page(viewport=DESKTOP)
    sign_in(page, live.base_url, "race@example.com")
    expect(page.locator("#live")).to_have_text("live")
    _post_webhook(live, "messenger", _messenger_now("I wrote first"))

    def late_answer(route: Route) -> None:
        # The server reads the list now (the first customer only); the page gets that answer
        # after a second customer's conversation came in live.
        answer = route.fetch()
        second = _messenger_now("Hello while you were loading")
        second["entry"][0]["messaging"][0]["sender"]["id"] = "2000000000000002"
        _post_webhook(live, "messenger", second)
        page.wait_for_function("document.querySelector('li[data-conversation-id]') !== null")
        route.fulfill(response=answer)

    page.route("**/api/conversations?*", late_answer, times=1)
    page.get_by_role("link", name="Chats", exact=True).click()
    items = page.locator("li[data-conversation-id]")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("2000000000000002")
    expect(items.last).to_contain_text("1423587017700273")


async def _kinds_owner(number: str) -> User:
    from tests.conftest import FERNET_KEY

    workspace = await make_workspace("kinds@example.com")
    await make_account(workspace, "whatsapp", number, key=FERNET_KEY)
    return await make_owner(workspace, "kinds@example.com")


def test_a_location_and_an_order_are_shown_as_words_with_a_map_link(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    number = "106000000000017"  # the fixtures' own number belongs to another test's workspace
    live.run(_kinds_owner(number))
    page = open_page(viewport=DESKTOP)
    sign_in(page, live.base_url, "kinds@example.com")
    page.get_by_role("link", name="Chats", exact=True).click()
    expect(page.locator("#live")).to_have_text("live")

    _post_webhook(live, "whatsapp", _whatsapp_now("location", number))
    page.locator("li[data-conversation-id]", has_text="Test Name").get_by_role("link").click()
    place = page.locator("li.msg.in ul.parts", has_text="shared a location")
    expect(place).to_contain_text("Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025")
    link = place.get_by_role("link", name="Open in maps (37.4611978, -122.2164385)")
    expect(link).to_have_attribute(
        "href", "https://www.google.com/maps/search/?api=1&query=37.4611978,-122.2164385"
    )
    expect(page.locator("li.msg.in ul.attachments")).to_have_count(0)  # not a file

    _post_webhook(live, "whatsapp", _whatsapp_now("order", number))
    order = page.locator("li.msg.in ul.parts", has_text="placed an order")
    expect(order).to_contain_text("3 × HAMBURGER at 30 ILS = 90 ILS")
    expect(order).to_contain_text("Total: 180 ILS")

    # Our reply, then Meta's "sent" status with its pricing: a context line, drawn live.
    live.run(_our_reply(number, "wamid.xyzxyz"))
    page.reload()
    mine = page.locator("li.msg.out", has_text="Our answer")
    expect(mine.locator(".status")).to_have_text("sent")
    status = load_fixture("whatsapp", "status_sent")
    status["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = number
    _post_webhook(live, "whatsapp", status)
    expect(mine.locator("ul.parts li.context")).to_have_text(
        "billed by Meta as a service conversation"
    )
    expect(mine.locator("ul.attachments")).to_have_count(0)  # not a file


async def _our_reply(number: str, mid: str) -> None:
    """An answer we sent in the number's conversation (the send path set it to sent)."""
    conversation = await Conversation.get(platform_account__external_id=number)
    await Message.create(
        workspace_id=conversation.workspace_id,  # type: ignore[attr-defined]
        platform_account_id=conversation.platform_account_id,  # type: ignore[attr-defined]
        conversation=conversation,
        platform_message_id=mid,
        content="Our answer",
        is_incoming=False,
        is_read=True,
        status="sent",
        received_at=datetime.now(UTC),
    )


async def _drop_sockets(app: BrowserApp) -> int:
    """Close every dashboard socket from the server side, as a restart or a proxy would."""
    assert app.app is not None
    sockets = list(app.app[SOCKETS])
    for socket in sockets:
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")
    return len(sockets)


def test_after_a_dropped_socket_it_reconnects_and_catches_up(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    live.run(_owner("reconnect@example.com", "instagram"))
    page = open_page(viewport=DESKTOP)
    sign_in(page, live.base_url, "reconnect@example.com")
    page.get_by_role("link", name="Chats", exact=True).click()
    status = page.locator("#live")
    expect(status).to_have_text("live")
    assert live.run(_drop_sockets(live)) >= 1
    expect(status).to_contain_text("reconnecting")
    # Posted while no socket is open: the page reloads what it shows once it is back.
    body = load_fixture("instagram", "text")
    body["entry"][0]["time"] = int(time.time() * 1000)
    body["entry"][0]["messaging"][0]["timestamp"] = int(time.time() * 1000)
    _post_webhook(live, "instagram", body)
    expect(status).to_have_text("live")
    expect(page.locator("li[data-conversation-id] .badge")).to_have_text("1")


async def _phone_inbox() -> None:
    from tests.conftest import FERNET_KEY

    workspace = await make_workspace("Phone")
    await make_owner(workspace, "phone@example.com")
    account = await make_account(workspace, "instagram", "178400000000001", key=FERNET_KEY)
    for n in range(12):
        conversation = await make_conversation(
            account, f"90{n:04d}", name=f"Customer with a rather long name number {n}", unread=1
        )
        await make_message(conversation, f"Question {n}: " + "how much is shipping? " * 8)


def test_chats_work_at_phone_width(live: BrowserApp, open_page: Callable[..., Page]) -> None:
    live.run(_phone_inbox())
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, live.base_url, "phone@example.com")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="Chats", exact=True).click()
    items = page.locator("li[data-conversation-id]")
    expect(items).to_have_count(12)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    thread = page.locator("section.thread")
    expect(thread).to_be_hidden()

    items.first.get_by_role("link").tap()
    expect(page.locator("li[data-conversation-id]").first).to_be_hidden()
    expect(page.locator("li.msg.in .text")).to_contain_text("how much is shipping?")
    reply, send = page.get_by_label("Reply"), page.get_by_role("button", name="Send")
    for control in (reply, send):
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] + box["height"] <= PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("link", name="← Chats").tap()
    expect(items.first).to_be_visible()
    expect(items.first.locator(".badge")).to_be_hidden()


async def _closed_window() -> str:
    from tests.conftest import FERNET_KEY

    workspace = await make_workspace("Errors")
    await make_owner(workspace, "errors@example.com")
    # Messenger past its 7 days: a WhatsApp chat past its window shows the template picker
    # instead (tests/web/test_templates_browser.py).
    account = await make_account(workspace, "messenger", "106000000000009", key=FERNET_KEY)
    conversation = await make_conversation(
        account, "15550001111", name="Late Larry", customer_wrote=timedelta(days=8)
    )
    await make_message(
        conversation, "Hello?", is_read=True, received_at=datetime.now(UTC) - timedelta(days=8)
    )
    return str(conversation.id)


def test_errors_are_shown_and_tokens_are_refreshed(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    conversation_id = live.run(_closed_window())
    page = open_page(viewport=DESKTOP)
    page.goto(f"{live.base_url}/")
    page.get_by_label("Email").fill("errors@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").filter(has_text="Wrong email or password")).to_be_visible()

    sign_in(page, live.base_url, "errors@example.com")
    page.goto(f"{live.base_url}/#/chats/{conversation_id}")
    page.get_by_label("Reply").fill("Sorry for the wait!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").filter(has_text="Not sent:")).to_contain_text("7 days")
    expect(page.locator("li.msg.out")).to_have_count(0)

    # An access token the server refuses (expired, revoked) is refreshed once, transparently.
    before = page.evaluate("JSON.parse(sessionStorage.getItem('cahts.session')).refresh")
    page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem('cahts.session'));
            s.access = 'not.a.token';
            sessionStorage.setItem('cahts.session', JSON.stringify(s));
        }"""
    )
    page.reload()
    expect(page.locator("li.msg.in .text")).to_have_text("Hello?")
    after = page.evaluate("JSON.parse(sessionStorage.getItem('cahts.session'))")
    assert after["access"] != "not.a.token" and after["refresh"] != before

    # When the refresh token is refused too, the user is told and sent to the login form.
    page.evaluate(
        """() => {
            const s = JSON.parse(sessionStorage.getItem('cahts.session'));
            s.access = 'not.a.token';
            s.refresh = 'not-a-refresh-token';
            sessionStorage.setItem('cahts.session', JSON.stringify(s));
        }"""
    )
    page.reload()
    expect(page.get_by_role("alert").filter(has_text="session has ended")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


async def _active(external_id: str) -> bool:
    return (await PlatformAccount.get(external_id=external_id)).is_active


async def _platforms_owner() -> None:
    from tests.conftest import FERNET_KEY

    workspace = await make_workspace("Platforms")
    await make_owner(workspace, "platforms@example.com")
    account = await make_account(
        workspace, "messenger", "104000000000055", key=FERNET_KEY, name="Acme Page"
    )
    now = datetime.now(UTC)
    account.token_expires_at = now + timedelta(days=3, hours=1)
    account.last_webhook_at = now - timedelta(minutes=5)
    await account.save(update_fields=["token_expires_at", "last_webhook_at"])


def test_platforms_show_state_connect_sync_and_disconnect(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    live.run(_platforms_owner())
    page_id, number = "104000000000055", "106000000000077"
    live.graph.serve_pages("/conversations", conversations_page(page_id, "7000000000000123", "m_1"))
    live.graph.script("GET", f"/{number}", Scripted(200, {"id": number, "verified_name": "Help"}))
    page = open_page(viewport=DESKTOP)
    sign_in(page, live.base_url, "platforms@example.com")
    page.get_by_role("link", name="Platforms", exact=True).click()
    card = page.locator("article.account", has_text="Acme Page")
    expect(card).to_contain_text("Token expiresin 3 days")
    expect(card).to_contain_text("Last webhook5 min ago")
    expect(card.locator(".warn")).to_have_count(1)

    card.get_by_role("button", name="Sync now").click()
    expect(page.locator(".notice", has_text="Sync finished: 1 new message(s).")).to_be_visible()
    expect(card).to_contain_text("Last syncedjust now")

    form = page.get_by_role("form", name="Connect WhatsApp")
    form.get_by_label("Phone number id").fill(number)
    form.get_by_label("Access token").fill("EAA-system-user")
    form.get_by_role("button", name="Connect WhatsApp").click()
    expect(page.locator("article.account", has_text="Help")).to_contain_text("connected")

    card.get_by_role("button", name="Disconnect").click()
    expect(card.locator(".chip")).to_have_text("disconnected")
    assert open_page.confirmed == ["Disconnect Messenger Acme Page? Its conversations stay."]  # type: ignore[attr-defined]
    assert live.run(_active(page_id)) is False


def _now_stamped(platform: str, name: str, **message: Any) -> dict[str, Any]:
    """A fixture as Meta would send it now (its message fields replaced where given)."""
    body = load_fixture(platform, name)
    now = int(time.time() * 1000)
    body["entry"][0]["time"] = now
    item = body["entry"][0]["messaging"][0]
    item["timestamp"] = now
    if message:
        item["message"] = {**item["message"], **message}
    return body


async def _owner_of_the_fixture_accounts(email: str, *platforms: str) -> User:
    """An owner whose workspace holds the fixture accounts (taken from earlier tests)."""
    await PlatformAccount.filter(external_id__in=[FIXTURE_ACCOUNTS[p] for p in platforms]).delete()
    return await _owner(email, *platforms)


async def _expire_stories(app: BrowserApp) -> int:
    from inbox.appkeys import BUS
    from inbox.netguard import GuardedHttp
    from inbox.services.stories import TIMEOUT, check_recent

    assert app.app is not None
    async with GuardedHttp(TIMEOUT) as http:
        return await check_recent(http, app.app[BUS], (app.graph.url,))


def test_meta_context_lines_story_links_and_edits(
    live: BrowserApp, open_page: Callable[..., Page]
) -> None:
    live.run(_owner_of_the_fixture_accounts("context@example.com", "messenger", "instagram"))
    page = open_page(viewport=DESKTOP)
    sign_in(page, live.base_url, "context@example.com")
    page.get_by_role("link", name="Chats", exact=True).click()
    expect(page.locator("#live")).to_have_text("live")

    _post_webhook(live, "messenger", _now_stamped("messenger", "referral_ad"))
    _post_webhook(live, "messenger", _now_stamped("messenger", "location"))
    customer = page.locator("li[data-conversation-id]", has_text="<PSID>")
    customer.get_by_role("link").click()
    expect(page.locator(".context", has_text="came from the ad")).to_have_text(
        "came from the ad “<TITLE_OF_THE_AD>” (ref <REF_DATA_IF_SPECIFIED_IN_THE_AD>)"
    )
    page.get_by_role("link", name="Chats", exact=True).click()
    page.locator("li[data-conversation-id]", has_text="1423587017700273").get_by_role(
        "link"
    ).click()
    place = page.get_by_role("link", name="Open in maps (0, 0)")
    expect(place).to_have_attribute("href", "https://www.google.com/maps/search/?api=1&query=0,0")

    # A story reply links the story; once its link answers 404 the page says it expired.
    story_url = f"{live.graph.url}/cdn/story-{uuid.uuid4().hex}.jpg"
    answers = [200]

    async def story(request: Any, path: str, body: Any) -> Any:
        from aiohttp import web

        return web.Response(status=answers[-1])

    live.graph.routes[f"GET {story_url.removeprefix(live.graph.url)}"] = story
    reply = _now_stamped(
        "instagram",
        "story_reply",
        mid=f"ig_{uuid.uuid4().hex}",
        reply_to={"story": {"id": "17890000000000001", "url": story_url}},
    )
    _post_webhook(live, "instagram", reply)
    page.get_by_role("link", name="Chats", exact=True).click()
    page.locator("li[data-conversation-id]", has_text="Sender-id-1").get_by_role("link").click()
    line = page.locator(".context.story")
    expect(line).to_have_text("replied to your story · open the story")
    expect(line.get_by_role("link", name="open the story")).to_have_attribute("href", story_url)
    answers.append(404)
    assert live.run(_expire_stories(live)) == 1
    expect(line).to_have_text("replied to your story · the story has expired")

    # The customer edits it: the text changes in place, marked "(edited)".
    mid = reply["entry"][0]["messaging"][0]["message"]["mid"]
    edit = _now_stamped("instagram", "message_edit")
    edit["entry"][0]["messaging"][0]["sender"]["id"] = "Sender-id-1"
    edit["entry"][0]["messaging"][0]["message_edit"] = {"mid": mid, "text": "Is it in blue?"}
    _post_webhook(live, "instagram", edit)
    expect(page.locator("li.msg.in .text")).to_have_text("Is it in blue? (edited)")
