"""`GET /api/platforms/{id}/templates` and template sends through `POST /api/messages`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from inbox.graph import GraphClient
from inbox.models import Conversation, Message, Outbox, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.templates.catalog import refresh_account
from tests.bot.conftest import settle
from tests.factories import make_account, make_conversation
from tests.fakes.graph import FakeGraph
from tests.helpers import load_fixture
from tests.web.api.conftest import Member
from web.api.openapi import document

WABA = "102290129340398"
NAMED = "jaspers_market_order_delivery_update_named_us"


@pytest.fixture
async def number(client: TestClient, alice: Member, graph: FakeGraph) -> PlatformAccount:
    """Alice's WhatsApp number with its WABA's templates listed."""
    settings = client.app[SETTINGS]
    account = await make_account(alice.workspace, "whatsapp", key=settings.token_encryption_keys[0])
    account.parent_external_id = WABA
    await account.save(update_fields=["parent_external_id"])
    graph.serve_templates(
        WABA,
        load_fixture("graph", "whatsapp_message_templates_page1"),
        load_fixture("graph", "whatsapp_message_templates_page2"),
    )
    gc = GraphClient(settings.meta_graph_url)
    await refresh_account(gc, TokenCipher(settings.token_encryption_keys), account)
    await gc.close()
    return account


@pytest.fixture
async def quiet(number: PlatformAccount) -> Conversation:
    """A customer who last wrote 30 hours ago."""
    return await make_conversation(number, "16505551234", customer_wrote=timedelta(hours=30))


def _send(conversation: Conversation, **template: Any) -> dict[str, Any]:
    body = {"name": NAMED, "language": "en", **template}
    return {"conversation_id": str(conversation.id), "template": body}


VALUES = {"header.order_type": "Order", "body.order_id": "A-17", "body.customer_name": "Sam"}


async def test_the_list_gives_approved_templates_with_their_variables(
    client: TestClient, alice: Member, number: PlatformAccount
) -> None:
    response = await client.get(f"/api/platforms/{number.id}/templates", headers=alice.headers)

    assert response.status == 200
    items = (await response.json())["items"]
    assert [(t["name"], t["language"], t["category"]) for t in items] == [
        (NAMED, "en", "UTILITY"),
        ("order_delivery_update", "en_US", "UTILITY"),
    ]
    assert items[0]["parameter_format"] == "NAMED"
    assert [v["field"] for v in items[0]["variables"]] == list(VALUES)
    assert items[1]["variables"][0] == {
        "field": "body.1",
        "component": "body",
        "key": "1",
        "example": "Mark",
    }
    assert items[1]["preview"].startswith("[location]\nGood news {{1}}!")


async def test_a_messenger_account_has_no_templates(client: TestClient, alice: Member) -> None:
    response = await client.get(
        f"/api/platforms/{alice.account.id}/templates", headers=alice.headers
    )
    assert (response.status, await response.json()) == (200, {"items": []})


async def test_a_template_is_queued_and_sent_once_per_idempotency_key(
    client: TestClient, alice: Member, quiet: Conversation, graph: FakeGraph
) -> None:
    body = {**_send(quiet, parameters=VALUES), "idempotency_key": "order-A-17"}

    first = await client.post("/api/messages", json=body, headers=alice.headers)
    again = await client.post("/api/messages", json=body, headers=alice.headers)
    await settle()

    assert (first.status, again.status) == (201, 200)
    sent = await first.json()
    assert (await again.json())["id"] == sent["id"]
    assert sent["kind"] == "template"
    assert sent["content"].startswith("Order Update\nGood news! Your order #A-17")
    assert len([r for r in graph.sent() if r.json.get("type") == "template"]) == 1
    assert (await Message.get(id=sent["id"])).status == "sent"
    conversation = await client.get("/api/conversations", headers=alice.headers)
    [shown] = [c for c in (await conversation.json())["items"] if c["id"] == str(quiet.id)]
    assert shown["template_sent_at"] is not None


@pytest.mark.parametrize(
    ("template", "field", "words"),
    [
        ({"parameters": {"body.order_id": "A"}}, "template.parameters.header.order_type",
         "needs a value"),
        ({"parameters": {**VALUES, "body.3": "x"}}, "template.parameters.body.3",
         "not a variable"),
        ({"parameters": {**VALUES, "body.order_id": "two\nlines"}},
         "template.parameters.body.order_id", "new lines"),
        ({"name": "seasonal_promotion", "parameters": VALUES}, "template.name",
         "no approved template"),
        ({"language": "en_US", "parameters": VALUES}, "template.name", "no approved template"),
        ({"parameters": {**VALUES, "body.order_id": 7}}, "template.parameters.body.order_id",
         "string"),
    ],
)  # fmt: skip
async def test_wrong_templates_are_422_naming_the_field_before_meta_is_asked(
    client: TestClient,
    alice: Member,
    quiet: Conversation,
    graph: FakeGraph,
    template: dict[str, Any],
    field: str,
    words: str,
) -> None:
    before = len(graph.requests)
    response = await client.post(
        "/api/messages", json=_send(quiet, **template), headers=alice.headers
    )

    assert response.status == 422
    error = (await response.json())["error"]
    assert error["field"] == field
    assert words in error["message"]
    assert len(graph.requests) == before
    assert await Outbox.all().count() == 0


async def test_text_beside_a_template_is_refused(
    client: TestClient, alice: Member, quiet: Conversation
) -> None:
    body = {**_send(quiet, parameters=VALUES), "text": "and hello"}
    response = await client.post("/api/messages", json=body, headers=alice.headers)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "text"


async def test_messenger_past_its_window_says_there_is_no_template_route(
    client: TestClient, alice: Member
) -> None:
    conversation = await make_conversation(alice.account, customer_wrote=timedelta(days=8))
    response = await client.post(
        "/api/messages",
        json=_send(conversation, parameters=VALUES),
        headers=alice.headers,
    )
    assert response.status == 409
    assert "Messenger has no message templates" in (await response.json())["error"]["message"]


def test_the_openapi_document_describes_templates() -> None:
    doc = document()
    assert "get" in doc["paths"]["/api/platforms/{id}/templates"]
    send = doc["paths"]["/api/messages"]["post"]["requestBody"]["content"]["application/json"]
    template = send["schema"]["properties"]["template"]
    assert template["required"] == ["name", "language"]
    assert "Template" in doc["components"]["schemas"]
