"""The dashboard's template picker in Debian's Chromium against the real app and fake Graph API.

Past a WhatsApp window the reply box becomes the picker: pick, fill, watch the preview, send
(a double click sends once); when the customer writes again the reply box comes back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import Page, expect

from inbox.graph import GraphClient
from inbox.models import Conversation, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.templates.catalog import refresh_account
from tests.browser import BrowserApp, chromium_missing, sign_in
from tests.browser_fixtures import DESKTOP
from tests.conftest import APP_SECRET, FERNET_KEY
from tests.factories import (
    make_account,
    make_conversation,
    make_message,
    make_owner,
    make_workspace,
)
from tests.helpers import load_fixture, sign_meta

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

WABA = "102290129340398"
NAMED = "jaspers_market_order_delivery_update_named_us"
CUSTOMER = "16505551234"


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A desktop page in a fresh context; fails the test on any uncaught script error."""
    return open_page(viewport=DESKTOP)


async def _quiet_customer(app: BrowserApp) -> tuple[PlatformAccount, Conversation]:
    workspace = await make_workspace("templates")
    await make_owner(workspace, "tpl@example.com")
    account = await make_account(workspace, "whatsapp", key=FERNET_KEY, name="Acme WhatsApp")
    account.parent_external_id = WABA
    await account.save(update_fields=["parent_external_id"])
    app.graph.serve_templates(
        WABA,
        load_fixture("graph", "whatsapp_message_templates_page1"),
        load_fixture("graph", "whatsapp_message_templates_page2"),
    )
    graph = GraphClient(app.graph.url)
    await refresh_account(graph, TokenCipher([FERNET_KEY]), account)
    await graph.close()
    conversation = await make_conversation(
        account, CUSTOMER, name="Sheena Nelson", customer_wrote=timedelta(hours=30)
    )
    await make_message(conversation, "Where is my order?")
    return account, conversation


def _until(check: Callable[[], Any], what: str, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _customer_writes(app: BrowserApp, account: PlatformAccount) -> None:
    body = load_fixture("whatsapp", "text")
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = account.external_id
    value["messages"][0].update(
        id=f"wamid.T{time.time_ns()}", timestamp=str(int(time.time())), **{"from": CUSTOMER}
    )
    value["contacts"][0]["wa_id"] = CUSTOMER
    raw = json.dumps(body).encode()

    async def post() -> int:
        async with aiohttp.ClientSession() as session:
            url = f"{app.base_url}/api/webhooks/whatsapp"
            async with session.post(url, data=raw, headers=sign_meta(raw, APP_SECRET)) as answer:
                return answer.status

    assert app.run(post()) == 200


def test_the_template_picker_sends_once_and_gives_way_when_the_customer_writes(
    live: BrowserApp, page: Page
) -> None:
    account, conversation = live.run(_quiet_customer(live))
    sign_in(page, live.base_url, "tpl@example.com")
    page.goto(f"{live.base_url}/#/chats/{conversation.id}")

    picker = page.get_by_role("form", name="Send a template")
    expect(picker).to_be_visible()
    expect(page.get_by_label("Reply")).to_have_count(0)
    template = page.get_by_label("Template", exact=True)
    expect(template.locator("option")).to_have_count(3)  # the prompt and two APPROVED ones
    expect(template).to_contain_text("order_delivery_update (en_US) · utility")
    expect(template).not_to_contain_text("seasonal_promotion")
    template.select_option(label=f"{NAMED} (en) · utility")

    preview = page.get_by_label("Preview")
    expect(preview).to_have_text(
        "{{order_type}} Update\nGood news! Your order #{{order_id}} is on its way. "
        "Thank you for your order, {{customer_name}}!"
    )
    page.get_by_label("Header {{order_type}}").fill("Order")
    page.get_by_label("Body {{order_id}}").fill("A-17")
    page.get_by_label("Body {{customer_name}}").press_sequentially("Sam")
    expect(preview).to_have_text(
        "Order Update\nGood news! Your order #A-17 is on its way. Thank you for your order, Sam!"
    )

    page.get_by_role("button", name="Send template").dblclick()

    sent = page.locator("li.msg.out")
    expect(sent).to_have_count(1)
    expect(sent.locator(".text")).to_contain_text("Good news! Your order #A-17")
    expect(sent.locator(".status")).to_have_text("sent")
    expect(page.get_by_text("Template sent — waiting for the customer")).to_be_visible()
    [request] = _until(live.graph.sent, "the Graph API to receive the template")
    assert request.json["type"] == "template"
    assert request.json["template"]["components"][1]["parameters"][0] == {
        "type": "text",
        "text": "A-17",
        "parameter_name": "order_id",
    }
    time.sleep(0.5)  # room for a second send to arrive, were the double click to make one
    assert len(live.graph.sent()) == 1

    _customer_writes(live, account)
    expect(page.get_by_label("Reply")).to_be_visible()
    expect(picker).to_have_count(0)
