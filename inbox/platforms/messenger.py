"""Facebook Messenger: Page webhooks (`object: "page"`), entry[].messaging[] / standby[]."""

from __future__ import annotations

from typing import Any

from inbox.platforms.common import parse_messaging_body
from inbox.platforms.events import Event


class MessengerAdapter:
    """Messenger adapter; account_id is the Page id (entry.id)."""

    name: str = "messenger"
    webhook_object: str = "page"

    def parse(self, payload: Any) -> list[Event]:
        """Turn a Page webhook body into normalized events; PayloadError on a wrong top level."""
        return parse_messaging_body(self.name, self.webhook_object, payload)


ADAPTER = MessengerAdapter()
