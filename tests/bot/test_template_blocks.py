"""The template modal's Block Kit and the card's lines past the window. Pure."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from bot.templates.blocks import (
    Choice,
    conversation_of,
    read_state,
    template_modal,
)
from bot.templates.card import WAITING, window_blocks
from inbox.models import Conversation
from inbox.platforms import whatsapp_templates as wt
from tests.helpers import load_fixture

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _choices() -> list[Choice]:
    found = []
    for n in (1, 2):
        found += wt.parse_page(load_fixture("graph", f"whatsapp_message_templates_page{n}"))[0]
    return [Choice(str(uuid.uuid4()), t) for t in found if t.status == "APPROVED"]


def test_every_field_redraws_the_preview_as_it_is_typed() -> None:
    choices = _choices()
    chosen = choices[1]  # the named one: header and body variables
    view = template_modal(
        conversation_id="c1", customer="Sam", choices=choices, chosen=chosen, values={}
    )
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [
        "template",
        "var:header.order_type",
        "var:body.order_id",
        "var:body.customer_name",
    ]
    assert all(b["dispatch_action"] for b in inputs)
    for block in inputs[1:]:
        config = block["element"]["dispatch_action_config"]
        assert config == {"trigger_actions_on": ["on_character_entered"]}
    assert inputs[1]["element"]["placeholder"]["text"] == "e.g. Order"
    assert view["submit"]["text"] == "Send"
    assert conversation_of(view) == "c1"


def test_the_state_slack_sends_back_is_read_by_field() -> None:
    state = {
        "values": {
            "template": {"template_pick": {"selected_option": {"value": "row-1"}}},
            "var:body.1": {"template_value": {"value": "Sam"}},
            "other": {"x": {"value": "ignored"}},
        }
    }
    assert read_state({"state": state}) == ("row-1", {"body.1": "Sam"})
    assert read_state({"state": {"values": "nonsense"}}) == (None, {})
    assert conversation_of({"private_metadata": "not json"}) is None


def test_a_number_without_templates_gets_words_and_no_send() -> None:
    view = template_modal(conversation_id="c1", customer="Sam", choices=[])
    assert "submit" not in view
    assert "no approved templates" in json.dumps(view["blocks"])


def _conversation(wrote: timedelta | None, sent: timedelta | None = None) -> Conversation:
    return Conversation(
        id=uuid.uuid4(),
        last_incoming_at=NOW - wrote if wrote is not None else None,
        template_sent_at=NOW - sent if sent is not None else None,
    )


def test_the_card_offers_a_template_once_the_whatsapp_window_is_closed() -> None:
    assert window_blocks(_conversation(timedelta(hours=2)), "whatsapp", NOW) == []
    closed = window_blocks(_conversation(timedelta(hours=25)), "whatsapp", NOW)
    assert [b["type"] for b in closed] == ["actions"]
    assert closed[0]["elements"][0]["action_id"] == "template_open"


def test_the_card_waits_for_the_customer_after_a_template() -> None:
    waiting = window_blocks(_conversation(timedelta(hours=30), timedelta(hours=1)), "whatsapp", NOW)
    assert waiting[0]["text"]["text"] == WAITING
    answered = _conversation(timedelta(hours=30), timedelta(hours=31))
    assert WAITING not in json.dumps(window_blocks(answered, "whatsapp", NOW))


def test_messenger_and_instagram_past_their_window_say_there_is_no_template() -> None:
    assert window_blocks(_conversation(timedelta(days=3)), "messenger", NOW) == []
    for platform, label in (("messenger", "Messenger"), ("instagram", "Instagram")):
        [line] = window_blocks(_conversation(timedelta(days=8)), platform, NOW)
        assert line["type"] == "context"
        assert f"{label} has no message templates" in line["elements"][0]["text"]
