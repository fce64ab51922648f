"""Facebook Messenger: Page webhooks (`object: "page"`), entry[].messaging[] / standby[]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inbox.platforms.base import GrantedPage, Target
from inbox.platforms.meta import MessagingAdapter


class MessengerAdapter(MessagingAdapter):
    """Messenger adapter; account_id is the Page id (entry.id)."""

    name: str = "messenger"
    webhook_object: str = "page"
    label: str = "Messenger"
    icon: str = ":speech_balloon:"
    color: str = "#0084ff"
    max_text_chars: int = 2000
    max_text_bytes: int | None = None
    oauth_scopes: tuple[str, ...] = (
        "pages_show_list",
        "pages_messaging",
        "pages_manage_metadata",
        "pages_read_engagement",
    )
    no_targets_message: str = "no Facebook Page was granted; choose at least one Page"
    profile_fields: str = "first_name,last_name"

    def profile_name(self, data: dict[str, Any]) -> str:
        """First and last name."""
        parts = [data.get("first_name"), data.get("last_name")]
        return " ".join(p for p in parts if isinstance(p, str) and p).strip()

    def connect_targets(self, pages: Sequence[GrantedPage]) -> list[Target]:
        """Every granted Page."""
        return [Target(self.name, p.id, p.name, p.token) for p in pages]

    def subscription_sharers(
        self, external_id: str, parent_external_id: str | None
    ) -> list[dict[str, str]] | None:
        """Instagram accounts connected through this Page."""
        return [{"parent_external_id": external_id}]

    def subscription_node(
        self, external_id: str, parent_external_id: str | None, token: str
    ) -> str | None:
        """The Page itself."""
        return external_id


ADAPTER = MessengerAdapter()
