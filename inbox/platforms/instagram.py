"""Instagram Messaging webhooks (`object: "instagram"`), entry[].messaging[] / standby[]."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inbox.platforms.common import (
    messaging_reaction_request,
    messaging_send_request,
    messaging_sent_id,
    parse_messaging_body,
)
from inbox.platforms.events import Event
from inbox.platforms.outbound import HUMAN_AGENT_WINDOW, OutboundMessage

# Instagram's Send API reacts with the heart ("love") only; other emoji cannot be shown there.
_LOVE = frozenset("❤️ ❤ ♥️ ♥ 😍 🥰 😘 💕 💖 💗 💓 💞 💘 💝".split())


class InstagramAdapter:
    """Instagram adapter; account_id is the IG professional account id (entry.id).

    Story mentions and story replies keep no CDN media (their attachments have url None);
    receipts are `read{mid}` only. The dashboard "Test" `changes[]` shape is Ignored.
    """

    name: str = "instagram"
    webhook_object: str = "instagram"
    max_text_chars: int = 1000
    max_text_bytes: int | None = 1000
    extended_window: timedelta | None = HUMAN_AGENT_WINDOW

    def parse(self, payload: Any) -> list[Event]:
        """Turn an Instagram webhook body into events; PayloadError on a wrong top level."""
        return parse_messaging_body(self.name, self.webhook_object, payload)

    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """Send API request from this account."""
        return messaging_send_request(account_id, message)

    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """The mid of the message just sent."""
        return messaging_sent_id(response)

    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """A heart becomes `reaction: "love"`; other emoji are not supported (None)."""
        if emoji is not None and emoji not in _LOVE:
            return None
        return messaging_reaction_request(
            account_id, recipient_id, message_id, "love" if emoji else None
        )


ADAPTER = InstagramAdapter()
