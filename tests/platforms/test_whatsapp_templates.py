"""Meta's template list answer, variables, the send object, the preview, status webhooks."""

from __future__ import annotations

import pytest

from inbox.platforms import whatsapp_templates as wt
from inbox.platforms.outbound import OutboundMessage
from inbox.platforms.whatsapp import ADAPTER
from tests.helpers import load_fixture


def _all() -> dict[str, wt.Template]:
    first, after = wt.parse_page(load_fixture("graph", "whatsapp_message_templates_page1"))
    second, _ = wt.parse_page(load_fixture("graph", "whatsapp_message_templates_page2"))
    assert after == "MjQZD"
    return {t.name: t for t in first + second}


def test_the_list_answer_gives_each_template_with_its_status_category_and_format() -> None:
    found = _all()
    delivery = found["order_delivery_update"]
    assert (delivery.external_id, delivery.language, delivery.status, delivery.category) == (
        "1667192013751005",
        "en_US",
        "APPROVED",
        "UTILITY",
    )
    assert delivery.parameter_format == "POSITIONAL"
    assert [c["type"] for c in delivery.components] == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    assert found["jaspers_market_order_delivery_update_named_us"].parameter_format == "NAMED"
    assert found["seasonal_promotion"].status == "PENDING"


def test_an_empty_page_ends_the_listing() -> None:
    assert wt.parse_page({"data": [], "paging": {"cursors": {"after": "X"}}}) == ([], None)


def test_positional_variables_skip_a_location_header_and_keep_the_examples() -> None:
    variables = _all()["order_delivery_update"].variables
    assert variables == [wt.Variable("body", "1", "Mark"), wt.Variable("body", "2", "566701")]


def test_named_variables_come_from_header_and_body_in_order() -> None:
    variables = _all()["jaspers_market_order_delivery_update_named_us"].variables
    assert [(v.field, v.example) for v in variables] == [
        ("header.order_type", "Order"),
        ("body.order_id", "566701"),
        ("body.customer_name", "John"),
    ]


def test_named_send_components_carry_parameter_names() -> None:
    template = _all()["jaspers_market_order_delivery_update_named_us"]
    values = {"header.order_type": "Order", "body.order_id": "A-17", "body.customer_name": "Ana"}
    assert wt.send_template(template, values) == {
        "name": "jaspers_market_order_delivery_update_named_us",
        "language": {"code": "en"},
        "components": [
            {
                "type": "header",
                "parameters": [{"type": "text", "text": "Order", "parameter_name": "order_type"}],
            },
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "A-17", "parameter_name": "order_id"},
                    {"type": "text", "text": "Ana", "parameter_name": "customer_name"},
                ],
            },
        ],
    }


def test_positional_send_components_are_in_order_without_names() -> None:
    template = _all()["seasonal_promotion"]
    values = {"header.1": "Winter Sale", "body.1": "Friday", "body.2": "COLD", "body.3": "10%"}
    assert wt.send_components(template, values) == [
        {"type": "header", "parameters": [{"type": "text", "text": "Winter Sale"}]},
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Friday"},
                {"type": "text", "text": "COLD"},
                {"type": "text", "text": "10%"},
            ],
        },
    ]


def test_the_preview_fills_what_is_known_and_shows_footer_and_buttons() -> None:
    template = _all()["order_delivery_update"]
    assert wt.render(template, {"body.1": "Sam"}) == (
        "[location]\n"
        "Good news Sam! Your order #{{2}} is on its way to the location above. "
        "Thank you for your order!\n"
        "To stop receiving delivery updates, tap the button below.\n"
        "[Stop Delivery Updates]"
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"body.1": "Sam"}, "body.2"),
        ({"body.1": "Sam", "body.2": "  "}, "body.2"),
        ({"body.1": "Sam", "body.2": "7", "body.3": "x"}, "body.3"),
        ({"body.1": "Sam\nnext line", "body.2": "7"}, "body.1"),
        ({"body.1": "S" * 1025, "body.2": "7"}, "body.1"),
        ({"body.1": 5, "body.2": "7"}, "body.1"),
    ],
)
def test_values_meta_would_refuse_name_the_field(values: dict[str, object], field: str) -> None:
    template = _all()["order_delivery_update"]
    with pytest.raises(wt.TemplateError) as raised:
        wt.check_values(template.variables, values)
    assert raised.value.field == field


def test_whatsapp_sends_a_template_object() -> None:
    template = {"name": "x", "language": {"code": "en_US"}, "components": []}
    path, body = ADAPTER.send_request(
        "106540352242922", OutboundMessage(recipient_id="16505551234", template=template)
    )
    assert path == "106540352242922/messages"
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "template",
        "template": template,
    }


def test_a_status_webhook_gives_the_change() -> None:
    [change] = wt.status_changes(load_fixture("whatsapp", "template_status_update"))
    assert change == wt.StatusChange(
        waba_id="57438975935",
        template_id="12345678",
        name="my_message_template",
        language="pt-BR",
        status="APPROVED",
        reason=None,
    )


def test_messages_webhooks_and_other_objects_hold_no_status_change() -> None:
    assert wt.status_changes(load_fixture("whatsapp", "text")) == []
    assert wt.status_changes({"object": "page", "entry": []}) == []
    assert wt.status_changes("nonsense") == []
