"""The template flow through the real Bolt app and slack_sdk against the fakes.

Refused reply → "Send a template…" → modal → pick → type → preview → Send → one Graph send
with the components → the rendered text in the thread with its template line → marks.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.mirror.tasks import kick
from inbox.graph import GraphClient
from inbox.models import Conversation, Message, PlatformAccount, WhatsAppTemplate
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.ingest.updates import TEXT_BEHIND
from inbox.services.templates.catalog import refresh_account
from tests.bot.conftest import (
    AGENT,
    CHANNEL,
    WA_CUSTOMER,
    Loop,
    messenger_text,
    now_ms,
    settle,
    whatsapp_message,
)
from tests.factories import make_account
from tests.fakes.graph import Scripted
from tests.fakes.slack import TEAM
from tests.helpers import load_fixture

WABA = "102290129340398"
NAMED = "jaspers_market_order_delivery_update_named_us"


async def _whatsapp_thread(
    loop: Loop, *, closed: bool = True
) -> tuple[PlatformAccount, Conversation]:
    """A WhatsApp customer mirrored to a thread who last wrote 30 hours ago; templates listed."""
    account = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0], name="Shop WA"
    )
    account.parent_external_id = WABA
    await account.save(update_fields=["parent_external_id"])
    loop.graph.serve_templates(
        WABA,
        load_fixture("graph", "whatsapp_message_templates_page1"),
        load_fixture("graph", "whatsapp_message_templates_page2"),
    )
    graph = GraphClient(loop.settings.meta_graph_url)
    await refresh_account(graph, TokenCipher(loop.settings.token_encryption_keys), account)
    await graph.close()
    await loop.webhook("whatsapp", whatsapp_message(account.external_id, _text("Hi")))
    conversation = await Conversation.get(platform_account_id=account.id)
    if not closed:
        return account, conversation
    long_ago = datetime.now(UTC) - timedelta(hours=30)
    await Conversation.filter(id=conversation.id).update(last_incoming_at=long_ago)
    conversation.last_incoming_at = long_ago
    return account, conversation


def _text(body: str) -> dict[str, Any]:
    return {"id": f"wamid.TEST{time.time_ns()}", "type": "text", "text": {"body": body}}


def _press(action: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": AGENT, "username": "ana", "team_id": TEAM},
        "api_app_id": "A0CAHTS",
        "token": "legacy",
        "trigger_id": f"trigger.{time.time()}",
        "team": {"id": TEAM, "domain": "acme"},
        "actions": [{"action_ts": f"{time.time():.6f}", **action}],
        **extra,
    }


def _state(view: dict[str, Any], picked: str | None, values: dict[str, str]) -> dict[str, Any]:
    """The view as Slack sends it back: its id, hash, metadata and what was entered."""
    state: dict[str, Any] = {}
    if picked:
        option = {"text": {"type": "plain_text", "text": "x"}, "value": picked}
        state["template"] = {"template_pick": {"type": "static_select", "selected_option": option}}
    for field, value in values.items():
        state[f"var:{field}"] = {"template_value": {"type": "plain_text_input", "value": value}}
    return {
        "id": view["id"],
        "hash": view.get("hash"),
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "team_id": TEAM,
        "state": {"values": state},
    }


def _submission(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": AGENT, "team_id": TEAM},
        "api_app_id": "A0CAHTS",
        "token": "legacy",
        "trigger_id": "9.9.9",
        "view": view,
    }


def _action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element.get("action_id", "")
        for block in blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    ]


def _text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def _open_and_fill(loop: Loop, conversation: Conversation) -> dict[str, Any]:
    """Refused reply → button → modal → pick the named template → fill it; the last view."""
    await loop.reply(conversation, "Your order is ready!")
    [notice] = [
        m for m in loop.slack.thread(CHANNEL, str(conversation.slack_thread_ts)) if m.get("blocks")
    ][-1:]
    assert "reply window is closed" in notice["text"]
    assert _action_ids(notice["blocks"]) == ["template_open"]

    press = _press(
        {
            "action_id": "template_open",
            "block_id": "cahts_template",
            "type": "button",
            "value": str(conversation.id),
        },
        channel={"id": CHANNEL, "name": "support"},
        container={"type": "message", "message_ts": notice["ts"], "channel_id": CHANNEL},
    )
    assert (await loop.click(press)).status == 200
    [modal] = loop.slack.views
    assert "order_delivery_update (en_US) · utility" in _text_of(modal)
    assert "seasonal_promotion" not in _text_of(modal)  # PENDING: not offered
    assert "submit" not in modal  # nothing to send before a template is picked

    row = await WhatsAppTemplate.get(name=NAMED)
    pick = _press(
        {
            "action_id": "template_pick",
            "block_id": "template",
            "type": "static_select",
            "selected_option": {"value": str(row.id)},
        },
        view=_state(modal, str(row.id), {}),
        container={"type": "view", "view_id": modal["id"]},
    )
    assert (await loop.click(pick)).status == 200
    [picked] = loop.slack.views
    blocks = {b.get("block_id"): b for b in picked["blocks"]}
    assert {"var:header.order_type", "var:body.order_id", "var:body.customer_name"} <= set(blocks)
    assert "Good news! Your order #{{order_id}}" in _text_of(picked)

    values = {"header.order_type": "Order", "body.order_id": "A-17", "body.customer_name": "Sam"}
    typed = _press(
        {
            "action_id": "template_value",
            "block_id": "var:body.customer_name",
            "type": "plain_text_input",
            "value": "Sam",
        },
        view=_state(picked, str(row.id), values),
        container={"type": "view", "view_id": picked["id"]},
    )
    assert (await loop.click(typed)).status == 200
    [filled] = loop.slack.views
    assert "Good news! Your order #A-17 is on its way. Thank you for your order, Sam!" in (
        _text_of(filled)
    )
    assert filled["submit"]["text"] == "Send"
    return _state(filled, str(row.id), values)


async def test_a_template_from_the_thread_reaches_the_customer_once(loop: Loop) -> None:
    account, conversation = await _whatsapp_thread(loop)
    view = await _open_and_fill(loop, conversation)

    response = await loop.click(_submission(view))
    assert response.status == 200
    assert (await response.text()) == ""  # the modal closes
    await settle()

    sends = [r for r in loop.graph.sent() if r.json.get("type") == "template"]
    assert len(sends) == 1
    assert sends[0].json["to"] == WA_CUSTOMER
    assert sends[0].json["template"]["components"] == [
        {
            "type": "header",
            "parameters": [{"type": "text", "text": "Order", "parameter_name": "order_type"}],
        },
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "A-17", "parameter_name": "order_id"},
                {"type": "text", "text": "Sam", "parameter_name": "customer_name"},
            ],
        },
    ]
    posts = loop.slack.thread(CHANNEL, str(conversation.slack_thread_ts))
    [shown] = [p for p in posts if "Your order #A-17" in p.get("text", "")]
    assert (
        "WhatsApp template jaspers_market_order_delivery_update_named_us · en · utility"
        in (shown["text"])
    )
    assert loop.slack.marks(CHANNEL, shown["ts"]) == ["ballot_box_with_check"]
    [root] = loop.slack.roots(CHANNEL)[-1:]
    assert "Template sent — waiting for the customer" in json.dumps(
        root["blocks"], ensure_ascii=False
    )

    # Slack resending the submission, or a second click on Send: nothing more goes out.
    await loop.click(_submission(view))
    await loop.click(_submission(view))
    await settle()
    assert len([r for r in loop.graph.sent() if r.json.get("type") == "template"]) == 1
    assert await Message.filter(kind="template").count() == 1

    # Meta says delivered: the mark follows (the status webhook names the wamid Meta gave).
    message = await Message.get(kind="template")
    status = load_fixture("whatsapp", "status_delivered")
    value = status["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = account.external_id
    value["statuses"][0].update(id=message.platform_message_id, recipient_id=WA_CUSTOMER)
    await loop.webhook("whatsapp", status)
    assert loop.slack.marks(CHANNEL, shown["ts"]) == ["white_check_mark"]

    # The customer answers: the card drops the waiting line, replies work again.
    await loop.webhook(
        "whatsapp",
        whatsapp_message(account.external_id, _text("Thanks!")),
    )
    [root] = loop.slack.roots(CHANNEL)[-1:]
    assert "waiting for the customer" not in json.dumps(root["blocks"], ensure_ascii=False)
    assert "template_open" not in json.dumps(root["blocks"], ensure_ascii=False)


async def test_a_template_post_updated_in_place_keeps_its_template_line(loop: Loop) -> None:
    _, conversation = await _whatsapp_thread(loop)
    await loop.click(_submission(await _open_and_fill(loop, conversation)))
    await settle()
    posts = loop.slack.thread(CHANNEL, str(conversation.slack_thread_ts))
    [shown] = [p for p in posts if "Your order #A-17" in p.get("text", "")]
    posted = str(shown["text"])

    # Any re-render in place (edits and expired stories are the usual causes) reads the same.
    await Message.filter(kind="template").update(slack_status=TEXT_BEHIND)
    await kick([conversation.id])
    await settle()

    [update] = [c for c in loop.slack.called("chat.update") if c.args["ts"] == shown["ts"]]
    assert update.args["text"] == posted
    assert f"WhatsApp template {NAMED} · en · utility" in posted


@pytest.mark.parametrize(
    ("code", "words", "retry"),
    [
        # Meta pauses a template for 3 or 6 hours: Retry can help later.
        ("132015", "paused by Meta for low quality", ["retry_send"]),
        # Disabled for good: the same send can never go, so no Retry button.
        ("132016", "disabled by Meta for low quality", []),
    ],
)
async def test_a_refusal_from_meta_is_told_in_the_thread_with_retry_only_where_it_helps(
    loop: Loop, code: str, words: str, retry: list[str]
) -> None:
    account, conversation = await _whatsapp_thread(loop)
    error = load_fixture("graph", "whatsapp_send_errors")[code]
    loop.graph.script("POST", f"/{account.external_id}/messages", Scripted(400, error))
    view = await _open_and_fill(loop, conversation)
    await loop.click(_submission(view))
    await settle()

    posts = loop.slack.thread(CHANNEL, str(conversation.slack_thread_ts))
    [notice] = [p for p in posts if p.get("text", "").startswith("Not delivered")]
    assert words in notice["text"]
    assert f"Meta: {error['error']['message']}" in notice["text"]
    assert _action_ids(notice["blocks"]) == retry


async def test_wrong_values_are_shown_under_their_field_and_nothing_is_sent(loop: Loop) -> None:
    _, conversation = await _whatsapp_thread(loop)
    view = await _open_and_fill(loop, conversation)
    view["state"]["values"]["var:body.order_id"]["template_value"]["value"] = "line\nbreak"

    response = await loop.click(_submission(view))

    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert "var:body.order_id" in answer["errors"]
    assert not [r for r in loop.graph.sent() if r.json.get("type") == "template"]


async def test_the_command_opens_the_modal_and_the_root_card_offers_it(loop: Loop) -> None:
    _, conversation = await _whatsapp_thread(loop)
    await Conversation.filter(id=conversation.id).update(slack_card_stale=True)
    await kick([conversation.id])
    await settle()
    [root] = loop.slack.roots(CHANNEL)[-1:]
    assert "template_open" in json.dumps(root["blocks"], ensure_ascii=False)

    form = loop.command_form(f"template {conversation.id}")
    response = await loop.signed(urlencode(form).encode(), "application/x-www-form-urlencoded")
    assert response.status == 200
    [modal] = loop.slack.views
    assert modal["callback_id"] == "send_template"


async def test_messenger_past_its_window_says_there_is_no_template_route(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("Hello?", at_ms=now_ms()))
    conversation = await Conversation.get(platform_account_id=loop.account.id)
    await Conversation.filter(id=conversation.id).update(
        last_incoming_at=datetime.now(UTC) - timedelta(days=8)
    )
    conversation = await Conversation.get(id=conversation.id)

    await loop.reply(conversation, "Are you still there?")

    posts = loop.slack.thread(CHANNEL, str(conversation.slack_thread_ts))
    [notice] = [p for p in posts if p.get("blocks")][-1:]
    assert "Messenger has no message templates" in json.dumps(notice["blocks"], ensure_ascii=False)
    assert _action_ids(notice["blocks"]) == []


async def test_a_reply_meta_refuses_for_re_engagement_offers_a_template_not_a_retry(
    loop: Loop,
) -> None:
    account, conversation = await _whatsapp_thread(loop, closed=False)
    error = load_fixture("graph", "whatsapp_send_errors")["131047"]
    loop.graph.script("POST", f"/{account.external_id}/messages", Scripted(400, error))

    await loop.reply(conversation, "Your order is ready!")

    posts = loop.slack.thread(CHANNEL, str(conversation.slack_thread_ts))
    [notice] = [p for p in posts if p.get("text", "").startswith("Not delivered")]
    assert "reply window is closed" in notice["text"]
    assert _action_ids(notice["blocks"]) == ["template_open"]
