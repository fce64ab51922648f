"""Instagram Messaging webhooks (`object: "instagram"`), entry[].messaging[] / standby[]."""

from __future__ import annotations

from typing import Any

from inbox.platforms.common import parse_messaging_body
from inbox.platforms.events import Event


class InstagramAdapter:
    """Instagram adapter; account_id is the IG professional account id (entry.id).

    Story mentions and story replies keep no CDN media (their attachments have url None);
    receipts are `read{mid}` only. The dashboard "Test" `changes[]` shape is Ignored.
    """

    name: str = "instagram"
    webhook_object: str = "instagram"

    def parse(self, payload: Any) -> list[Event]:
        """Turn an Instagram webhook body into events; PayloadError on a wrong top level."""
        return parse_messaging_body(self.name, self.webhook_object, payload)


ADAPTER = InstagramAdapter()
