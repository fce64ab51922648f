"""Each adapter's reaction request: what the business's emoji becomes on its platform."""

from __future__ import annotations

from typing import Any

import pytest

from inbox.platforms.registry import get_adapter


def _request(platform: str, emoji: str | None) -> tuple[str, dict[str, Any]] | None:
    adapter = get_adapter(platform)
    assert adapter is not None
    return adapter.reaction_request("ACC", "CUST", "MID", emoji)


def test_messenger_reacts_with_any_emoji_and_unreacts_with_the_message_id_only() -> None:
    assert _request("messenger", "🎉") == (
        "ACC/messages",
        {
            "recipient": {"id": "CUST"},
            "sender_action": "react",
            "payload": {"message_id": "MID", "reaction": "🎉"},
        },
    )
    assert _request("messenger", None) == (
        "ACC/messages",
        {"recipient": {"id": "CUST"}, "sender_action": "unreact", "payload": {"message_id": "MID"}},
    )


@pytest.mark.parametrize("heart", ["❤️", "❤", "😍", "🥰"])
def test_instagram_sends_hearts_as_love(heart: str) -> None:
    request = _request("instagram", heart)
    assert request is not None
    assert request[1]["payload"] == {"message_id": "MID", "reaction": "love"}
    removal = _request("instagram", None)
    assert removal is not None and removal[1]["sender_action"] == "unreact"


@pytest.mark.parametrize("other", ["👍", "😂", "🎉"])
def test_instagram_cannot_show_other_emoji(other: str) -> None:
    assert _request("instagram", other) is None


def test_whatsapp_sends_a_reaction_message_and_an_empty_emoji_to_remove_it() -> None:
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "CUST",
        "type": "reaction",
        "reaction": {"message_id": "MID", "emoji": "👍"},
    }
    assert _request("whatsapp", "👍") == ("ACC/messages", body)
    removal = _request("whatsapp", None)
    assert removal is not None and removal[1]["reaction"] == {"message_id": "MID", "emoji": ""}
