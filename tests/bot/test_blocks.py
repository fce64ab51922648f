"""Pure Block Kit and rendering: the conversation card, the reply window, failure notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.thread.blocks import RETRY_ACTION, conversation_card, failure_notice, window_text
from bot.thread.render import MessageView, author, customer_name, message_text, reaction_text
from inbox.platforms.outbound import HUMAN_AGENT_WINDOW

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_window_open_says_until_when_and_how_long_is_left() -> None:
    text = window_text(NOW - timedelta(hours=20), NOW, HUMAN_AGENT_WINDOW)
    assert text.startswith("Reply window open until <!date^")
    assert "(about 4 h left)" in text
    assert "human agents may answer until" in text


def test_window_between_one_and_seven_days_is_for_human_agents() -> None:
    text = window_text(NOW - timedelta(days=3), NOW, HUMAN_AGENT_WINDOW)
    assert text.startswith("Standard window closed; human-agent replies allowed until")
    assert "about 96 h left" in text


def test_window_closed_for_whatsapp_after_a_day() -> None:
    text = window_text(NOW - timedelta(hours=25), NOW, None)
    assert text.startswith("Reply window closed <!date^")
    assert text.endswith("the customer must write again first.")
    assert window_text(NOW - timedelta(hours=22, minutes=50), NOW, None).endswith("(70 min left).")


def test_the_card_escapes_names_and_links_the_dashboard() -> None:
    text, blocks = conversation_card(
        customer="Jo <script>",
        platform="instagram",
        account_name="A&B",
        window="open",
        dashboard_url="https://cahts.example/conversations/1",
    )
    assert text == "Jo &lt;script&gt; on Instagram (A&amp;B)"
    assert "*Jo &lt;script&gt;* on Instagram, writing to *A&amp;B*" in blocks[0]["text"]["text"]
    assert blocks[1]["elements"][1]["text"] == (
        "<https://cahts.example/conversations/1|Open in the dashboard>"
    )


def test_a_failure_notice_carries_the_retry_button() -> None:
    text, blocks = failure_notice("Jane", "token expired <reconnect>", "m-1")
    assert text == "Not delivered to Jane: token expired &lt;reconnect&gt;"
    button = blocks[1]["elements"][0]
    assert (button["action_id"], button["value"]) == (RETRY_ACTION, "m-1")


def _view(**changes: object) -> MessageView:
    base = {
        "platform": "messenger",
        "customer": "Jane",
        "account_name": "Shop",
        "is_incoming": True,
        "kind": "text",
        "content": "hi",
        "source": "webhook",
    }
    return MessageView(**(base | changes))  # type: ignore[arg-type]


def test_who_a_post_appears_to_come_from() -> None:
    assert author(_view()).username == "Jane · Messenger customer"
    echo = author(_view(is_incoming=False))
    assert echo.username == "Shop (from the Messenger app)"
    sent = author(_view(is_incoming=False, source="api", agent="Ana"))
    assert sent.username == "Ana (via cahts)"
    long = author(_view(customer="x" * 200)).args()["username"]
    assert len(long) == 80 and long.endswith(" · Messenger customer")


@pytest.mark.parametrize(
    "name",
    [
        "Alice (via cahts)",
        "Alice (VIA CAHTS)",
        "Alice （via cahts）",
        "Alice (v\u200bia cahts)",
        "Alice via cahts",
        "Alice [via cahts]",
        "Alice (via cahts",
        "Alice (from the Instagram app)",
    ],
)
def test_a_customer_name_cannot_pass_for_an_agent(name: str) -> None:
    username = author(_view(platform="instagram", customer=name)).username
    assert username == "Alice · Instagram customer"
    assert "via" not in username.lower() and "cahts" not in username.lower()


def test_a_nameless_customer_keeps_the_stand_in() -> None:
    stand_in = customer_name("", "instagram", "17841400000001234")
    assert author(_view(platform="instagram", customer=stand_in)).username == stand_in


def test_customers_without_a_name_get_a_stand_in() -> None:
    assert customer_name("", "whatsapp", "16505551234") == "WhatsApp customer …1234"
    assert customer_name(" Ann ", "messenger", "1") == "Ann"


def test_message_kinds_in_words() -> None:
    assert message_text(_view(kind="postback", content="Buy")) == "_tapped the button “Buy”_"
    assert message_text(_view(kind="template", content="")) == "_sent a template message_"
    assert message_text(_view(kind="story_reply", content="wow")) == "_replied to your story_\nwow"
    assert message_text(_view(content="")) == "_(empty message)_"
    assert message_text(_view(is_deleted=True)) == "_Jane unsent this message._"
    assert message_text(_view(reply_to_text="")) == "_↩ in reply_\nhi"
    assert reaction_text(None, "") == "_removed their reaction from a message_"
