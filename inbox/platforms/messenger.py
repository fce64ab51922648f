"""Facebook Messenger: Page webhooks (`object: "page"`), entry[].messaging[] / standby[]."""

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


class MessengerAdapter:
    """Messenger adapter; account_id is the Page id (entry.id)."""

    name: str = "messenger"
    webhook_object: str = "page"
    max_text_chars: int = 2000
    max_text_bytes: int | None = None
    extended_window: timedelta | None = HUMAN_AGENT_WINDOW

    def parse(self, payload: Any) -> list[Event]:
        """Turn a Page webhook body into normalized events; PayloadError on a wrong top level."""
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
        """Messenger takes any emoji as a reaction (`sender_action: react`)."""
        return messaging_reaction_request(account_id, recipient_id, message_id, emoji)


ADAPTER = MessengerAdapter()
