"""Templates on PostgreSQL against the fake Graph API: listing, status webhooks, sending once."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from inbox.graph import GraphClient
from inbox.models import Conversation, Message, Outbox, PlatformAccount, WhatsAppTemplate
from inbox.platforms.whatsapp_templates import TemplateError
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sending.outbox import (
    UNCERTAIN_TEMPLATE,
    SendRefused,
    deliver,
    lease,
)
from inbox.services.templates.catalog import (
    CatalogUnavailable,
    approved_for,
    find_approved,
    refresh_account,
    refresh_all,
)
from inbox.services.templates.sending import queue_template, waiting_for_customer
from inbox.settings import Settings
from inbox.tasks.templates import refresh_whatsapp_templates
from tests.bot.conftest import settle
from tests.conftest import APP_SECRET
from tests.factories import make_account, make_conversation, make_workspace
from tests.fakes.graph import FakeGraph, Scripted, graph_error
from tests.helpers import load_fixture, sign_meta
from web.wiring import TASK_MODULES, build_scheduler

WABA = "102290129340398"
NOW = datetime.now(UTC)


def pages() -> tuple[dict[str, Any], dict[str, Any]]:
    """Meta's two documented list pages (fresh copies)."""
    return (
        load_fixture("graph", "whatsapp_message_templates_page1"),
        load_fixture("graph", "whatsapp_message_templates_page2"),
    )


@pytest.fixture
async def gc(database: Settings) -> AsyncIterator[tuple[GraphClient, TokenCipher]]:
    """A Graph client for the fake and the test cipher."""
    client = GraphClient(database.meta_graph_url)
    yield client, TokenCipher(database.token_encryption_keys)
    await client.close()


async def whatsapp_account(settings: Settings, waba: str | None = WABA) -> PlatformAccount:
    """A WhatsApp number of the WABA."""
    workspace = await make_workspace()
    account = await make_account(workspace, "whatsapp", key=settings.token_encryption_keys[0])
    account.parent_external_id = waba
    await account.save(update_fields=["parent_external_id"])
    return account


async def closed_conversation(account: PlatformAccount) -> Conversation:
    """A customer who last wrote 30 hours ago: only a template reaches them."""
    return await make_conversation(account, "16505551234", customer_wrote=timedelta(hours=30))


async def test_refresh_lists_every_page_and_offers_only_approved(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    graph.serve_templates(WABA, *pages())
    account = await whatsapp_account(database)

    assert await refresh_account(gc[0], gc[1], account) == 3

    asked = graph.got(f"/{WABA}/message_templates")
    assert [r.query.get("after") for r in asked] == [None, "MjQZD", "NDgZD"]
    assert "parameter_format" in asked[0].query["fields"]
    assert asked[0].authorization == "Bearer EAA-test-token"
    offered = [(t.name, t.language, t.category) for t in await approved_for(account)]
    assert offered == [
        ("jaspers_market_order_delivery_update_named_us", "en", "UTILITY"),
        ("order_delivery_update", "en_US", "UTILITY"),
    ]
    assert await WhatsAppTemplate.filter(status="PENDING").count() == 1


async def test_a_template_deleted_at_meta_leaves_the_table(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    first, second = pages()
    second["data"] = second["data"][:1]
    graph.serve_templates(WABA, first, second)

    assert await refresh_account(gc[0], gc[1], account) == 2
    assert not await WhatsAppTemplate.exists(name="seasonal_promotion")
    assert await WhatsAppTemplate.exists(name="order_delivery_update")


async def test_refresh_refuses_a_number_without_waba_and_reports_meta_errors(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    without = await whatsapp_account(database, waba=None)
    with pytest.raises(CatalogUnavailable, match="no WhatsApp Business Account"):
        await refresh_account(gc[0], gc[1], without)
    await PlatformAccount.filter(id=without.id).update(parent_external_id=WABA)
    graph.script(
        "GET", f"/{WABA}/message_templates", graph_error(190, "Error validating access token")
    )
    assert await refresh_all(gc[0], gc[1]) == {f"{without.workspace_id}:{WABA}": -1}


async def test_a_paused_template_disappears_at_once_on_the_status_webhook(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher], client: TestClient
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    # pywa's status webhook, pointed at this WABA and one of its templates; PAUSED is one of
    # the `event` values Meta documents for message_template_status_update.
    webhook = load_fixture("whatsapp", "template_status_update")
    entry = webhook["entry"][0]
    entry["id"] = WABA
    entry["changes"][0]["value"].update(
        event="PAUSED",
        message_template_id=1667192013751005,
        message_template_name="order_delivery_update",
        message_template_language="en_US",
    )
    paused_page = copy.deepcopy(pages()[0])
    paused_page["data"][0]["status"] = "PAUSED"
    graph.serve_templates(WABA, paused_page, pages()[1])
    body = json.dumps(webhook).encode()

    response = await client.post(
        "/api/webhooks/whatsapp", data=body, headers=sign_meta(body, APP_SECRET)
    )

    assert response.status == 200
    names = [t.name for t in await approved_for(account)]
    assert names == ["jaspers_market_order_delivery_update_named_us"]
    await settle()  # the full refresh it kicked agrees with the webhook
    assert len(graph.got(f"/{WABA}/message_templates")) >= 4
    assert await WhatsAppTemplate.get(name="order_delivery_update").values("status") == {
        "status": "PAUSED"
    }


async def _named(account: PlatformAccount) -> WhatsAppTemplate:
    row = await find_approved(
        account, name="jaspers_market_order_delivery_update_named_us", language="en"
    )
    assert row is not None
    return row


VALUES = {"header.order_type": "Order", "body.order_id": "A-17", "body.customer_name": "Sam"}


async def test_a_template_goes_past_the_window_with_its_components(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    conversation = await closed_conversation(account)

    queued = await queue_template(
        conversation,
        await _named(account),
        VALUES,
        agent="Ana",
        source="api",
        idempotency_key=None,
        now=NOW,
    )
    outbox = await Outbox.get(message_id=queued.message.id)
    assert await deliver(outbox.id, graph=gc[0], cipher=gc[1], now=NOW) == "sent"

    [request] = graph.sent()
    assert request.path == f"/{account.external_id}/messages"
    assert request.json["type"] == "template"
    assert request.json["template"]["name"] == "jaspers_market_order_delivery_update_named_us"
    assert request.json["template"]["components"][1]["parameters"][1] == {
        "type": "text",
        "text": "Sam",
        "parameter_name": "customer_name",
    }
    message = await Message.get(id=queued.message.id)
    assert (message.kind, message.status) == ("template", "sent")
    assert message.content == (
        "Order Update\nGood news! Your order #A-17 is on its way. Thank you for your order, Sam!"
    )
    fresh = await Conversation.get(id=conversation.id)
    assert waiting_for_customer(fresh)


async def test_the_same_key_twice_writes_and_sends_one_template(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    conversation = await closed_conversation(account)
    row = await _named(account)

    first = await queue_template(
        conversation, row, VALUES, agent="Ana", source="slack_template", idempotency_key="k1"
    )
    again = await queue_template(
        conversation, row, VALUES, agent="Ana", source="slack_template", idempotency_key="k1"
    )

    assert first.created and not again.created
    assert again.message.id == first.message.id
    assert await Message.filter(kind="template").count() == 1
    outbox = await Outbox.get(message_id=first.message.id)
    assert await deliver(outbox.id, graph=gc[0], cipher=gc[1]) == "sent"
    assert await deliver(outbox.id, graph=gc[0], cipher=gc[1]) == "skip"
    assert len(graph.sent()) == 1


async def test_a_template_whose_worker_died_mid_send_is_never_sent_again(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    conversation = await closed_conversation(account)
    queued = await queue_template(
        conversation,
        await _named(account),
        VALUES,
        agent="Ana",
        source="api",
        idempotency_key=None,
    )
    # A worker claimed the row and died (its request may have reached Meta): the row is left
    # "sending" with the claim's time, then its lease runs out.
    claimed_at = NOW - lease() - timedelta(seconds=1)
    await Outbox.filter(message_id=queued.message.id).update(
        status="sending", attempts=1, updated_at=claimed_at
    )
    outbox = await Outbox.get(message_id=queued.message.id)

    assert await deliver(outbox.id, graph=gc[0], cipher=gc[1], now=NOW) == "failed"

    assert graph.sent() == []
    message = await Message.get(id=queued.message.id)
    assert (message.status, message.error_message) == ("failed", UNCERTAIN_TEMPLATE)


async def test_no_answer_from_meta_fails_a_template_instead_of_sending_it_twice(
    database: Settings,
    graph: FakeGraph,
    gc: tuple[GraphClient, TokenCipher],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    conversation = await closed_conversation(account)
    queued = await queue_template(
        conversation,
        await _named(account),
        VALUES,
        agent="Ana",
        source="api",
        idempotency_key=None,
    )
    await gc[0].close()
    slow = GraphClient("http://127.0.0.1:9/v21.0")  # nothing listens: no answer
    outbox = await Outbox.get(message_id=queued.message.id)

    assert await deliver(outbox.id, graph=slow, cipher=gc[1]) == "failed"
    await slow.close()
    message = await Message.get(id=queued.message.id)
    assert message.error_message == UNCERTAIN_TEMPLATE


@pytest.mark.parametrize(
    ("code", "words", "status"),
    [
        (132000, "do not match the template's variables", 400),
        (132001, "does not exist in that language", 404),
        (132012, "not in the form the template expects", 400),
        (132015, "paused by Meta", 400),
        (132016, "disabled by Meta", 400),
        (131049, "share of marketing messages", 400),
        (131047, "reply window is closed", 400),
    ],
)
async def test_each_refusal_is_told_in_an_agents_words_with_metas_text(
    database: Settings,
    graph: FakeGraph,
    gc: tuple[GraphClient, TokenCipher],
    code: int,
    words: str,
    status: int,
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    conversation = await closed_conversation(account)
    queued = await queue_template(
        conversation,
        await _named(account),
        VALUES,
        agent="Ana",
        source="api",
        idempotency_key=None,
    )
    error = load_fixture("graph", "whatsapp_send_errors")[str(code)]
    graph.script("POST", f"/{account.external_id}/messages", Scripted(status, error))
    outbox = await Outbox.get(message_id=queued.message.id)

    assert await deliver(outbox.id, graph=gc[0], cipher=gc[1]) == "failed"

    message = await Message.get(id=queued.message.id)
    assert message.error_code == code
    assert words in (message.error_message or "")
    meta = error["error"]
    said = f"Meta: {meta['message']}: {meta['error_data']['details']}"
    assert said in (message.error_message or "")
    assert len(graph.sent()) == 1  # none of these is retried by itself


async def test_wrong_values_and_other_platforms_are_refused_before_anything_is_written(
    database: Settings, graph: FakeGraph, gc: tuple[GraphClient, TokenCipher]
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    await refresh_account(gc[0], gc[1], account)
    conversation = await closed_conversation(account)
    row = await _named(account)
    with pytest.raises(TemplateError) as raised:
        await queue_template(
            conversation,
            row,
            {"body.order_id": "A"},
            agent="Ana",
            source="api",
            idempotency_key=None,
        )
    assert raised.value.field == "header.order_type"
    messenger = await make_account(
        await make_workspace("Other"), "messenger", key=database.token_encryption_keys[0]
    )
    other = await make_conversation(messenger, customer_wrote=timedelta(days=9))
    with pytest.raises(SendRefused, match="Messenger has no message templates"):
        await queue_template(other, row, VALUES, agent="Ana", source="api", idempotency_key=None)
    assert await Message.filter(kind="template").count() == 0


async def test_the_hourly_task_refreshes_every_waba_through_the_broker(
    database: Settings, graph: FakeGraph, client: TestClient
) -> None:
    account = await whatsapp_account(database)
    graph.serve_templates(WABA, *pages())
    assert refresh_whatsapp_templates.labels["schedule"] == [{"cron": "17 * * * *"}]
    assert any(m.__name__ == "inbox.tasks.templates" for m in TASK_MODULES)
    assert build_scheduler(None) is not None

    task = await refresh_whatsapp_templates.kiq()
    result = await task.wait_result(timeout=30)

    assert result.return_value == {f"{account.workspace_id}:{WABA}": 3}
    assert len(await approved_for(account)) == 2
