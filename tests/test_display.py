"""inbox/display.py: structured content in words, the same for Slack and the dashboard."""

from __future__ import annotations

from typing import Any

from inbox.display import Line, lines, media_words, safe_url
from inbox.platforms import parts
from inbox.platforms.parts import stored


def test_an_order_adds_up_in_decimals_per_currency() -> None:
    order = parts.order(
        [
            {"product": "di9ozbzfi4", "quantity": 2, "price": 7.99, "currency": "USD"},
            {"product": "mug", "quantity": 1, "price": 0.1, "currency": "USD"},
            {"product": "tea", "quantity": 3, "price": 2.5, "currency": "EUR"},
        ],
        catalog_id="194836987003835",
    )
    assert [line.text for line in lines("order", [stored(order)], "Sheena")] == [
        "placed an order (catalog 194836987003835)",
        "2 × di9ozbzfi4 at 7.99 USD = 15.98 USD",
        "1 × mug at 0.1 USD = 0.1 USD",
        "3 × tea at 2.5 EUR = 7.5 EUR",
        "Total: 16.08 USD + 7.5 EUR",
    ]


def test_links_are_http_only_and_cannot_break_markup() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("AD_OR_POST_FB_URL") is None
    assert safe_url("https://fb.me/x|<y>") == "https://fb.me/x%7C%3Cy%3E"
    ad = parts.referral(headline="Chat with us", source_url="https://fb.me/3cr4Wqqkv")
    assert lines("text", [stored(ad)], "Sheena") == [
        Line("came from the ad “Chat with us”", "https://fb.me/3cr4Wqqkv", context=True)
    ]


def test_a_contact_card_shows_org_phones_and_emails() -> None:
    card = {"name": "Ann Lee", "org": "Acme", "phones": ["+1 650"], "emails": ["a@example.com"]}
    assert [line.text for line in lines("contacts", [stored(parts.contacts([card]))], "S")] == [
        "shared a contact",
        "Ann Lee (Acme): +1 650, a@example.com",
    ]


def test_an_unsupported_message_without_its_part_still_says_so() -> None:
    assert lines("unsupported", [], "Jane") == [
        Line("Jane sent a message cahts cannot show yet (unknown type)", context=True)
    ]


def test_media_words_only_where_the_type_does_not_say_enough() -> None:
    assert media_words({"type": "image"}) is None
    assert media_words({"type": "sticker", "details": {"animated": True}}) == "an animated sticker"
    assert media_words({"type": "document", "filename": "inv.pdf"}) == "a document “inv.pdf”"


def test_bad_stored_shapes_are_skipped_not_raised() -> None:
    junk: list[Any] = [{"type": "location", "details": "x"}, {"type": "order", "details": {}}, 7]
    assert [line.text for line in lines("text", junk, "S")] == ["placed an order"]


def test_a_quantity_of_zero_stays_zero() -> None:
    order = parts.order([{"product": "gift", "quantity": 0, "price": 5, "currency": "USD"}])
    assert [line.text for line in lines("order", [stored(order)], "S")][1:] == [
        "0 × gift at 5 USD = 0 USD",
        "Total: 0 USD",
    ]


def test_billing_says_what_meta_charges_as_context() -> None:
    def shown(**facts: Any) -> list[Line]:
        found = parts.billing(**facts)
        return lines("text", [stored(found)] if found else [], "Sheena")

    assert shown(category="utility", pricing_model="CBP", billable=True) == [
        Line("billed by Meta as a utility conversation", context=True)
    ]
    assert shown(category="authentication", billable=True) == [
        Line("billed by Meta as an authentication conversation", context=True)
    ]
    assert shown(category="service", billable=False, origin="service") == [
        Line("free (service conversation)", context=True)
    ]
    assert shown(category="service", pricing_model="PMP", pricing_type="free_customer_service") == [
        Line("free (service message)", context=True)
    ]
    assert shown(origin="referral_conversion") == [
        Line("Meta category: referral conversion", context=True)
    ]
    assert shown(conversation_id="abc") == []
