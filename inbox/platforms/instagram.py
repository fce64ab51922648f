"""Instagram Messaging webhooks (`object: "instagram"`), entry[].messaging[] / standby[]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from inbox.platforms.base import GrantedPage, RefreshedToken, Target
from inbox.platforms.common import messaging_reaction_request
from inbox.platforms.graphapi import GraphApi, GraphError
from inbox.platforms.messenger import ADAPTER as MESSENGER
from inbox.platforms.meta import MessagingAdapter
from inbox.settings import option

# Instagram's Send API reacts with the heart ("love") only; other emoji cannot be shown there.
_LOVE = frozenset("❤️ ❤ ♥️ ♥ 😍 🥰 😘 💕 💖 💗 💓 💞 💘 💝".split())
INSTAGRAM_GRAPH_HOST = "graph.instagram.com"
FACEBOOK_GRAPH_HOST = "graph.facebook.com"


def is_instagram_login_token(token: str) -> bool:
    """Instagram-Login user tokens (IGAA…, IGQV…) are served by graph.instagram.com."""
    return token.startswith("IG")


def instagram_graph_url(graph_url: str) -> str:
    """graph.instagram.com with META_GRAPH_URL's version; any other host (a fake) is kept.

    META_INSTAGRAM_GRAPH_URL, when set, wins (staging and tests).
    """
    override = (option("META_INSTAGRAM_GRAPH_URL") or "").rstrip("/")
    if override:
        return override
    parts = urlsplit(graph_url)
    if parts.hostname != FACEBOOK_GRAPH_HOST:
        return graph_url.rstrip("/")
    return urlunsplit(parts._replace(netloc=INSTAGRAM_GRAPH_HOST)).rstrip("/")


class InstagramAdapter(MessagingAdapter):
    """Instagram adapter; account_id is the IG professional account id (entry.id).

    Story mentions and story replies keep no CDN media (their attachments have url None);
    receipts are `read{mid}` only. The dashboard "Test" `changes[]` shape is Ignored.
    Accounts come through their Facebook Page (Facebook Login) or with an Instagram-Login
    token (IG…), which graph.instagram.com serves and which is refreshed, not checked.
    """

    name: str = "instagram"
    webhook_object: str = "instagram"
    label: str = "Instagram"
    icon: str = ":camera:"
    color: str = "#d62976"
    max_text_chars: int = 1000
    max_text_bytes: int | None = 1000
    oauth_scopes: tuple[str, ...] = (
        "instagram_basic",
        "instagram_manage_messages",
        "pages_show_list",
        "pages_manage_metadata",
        "pages_read_engagement",
    )
    no_targets_message: str = (
        "none of the Pages you granted has an Instagram professional account linked"
    )
    profile_fields: str = "name,username"

    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """A heart becomes `reaction: "love"`; other emoji are not supported (None)."""
        if emoji is not None and emoji not in _LOVE:
            return None
        return messaging_reaction_request(
            account_id, recipient_id, message_id, "love" if emoji else None
        )

    def graph_base(self, graph_url: str, token: str) -> str:
        """graph.instagram.com for Instagram-Login tokens."""
        return instagram_graph_url(graph_url) if is_instagram_login_token(token) else graph_url

    def conversations_node(
        self, token: str, external_id: str, parent_external_id: str | None
    ) -> str:
        """The Page (Facebook Login), else `me`: the token's own Instagram account."""
        if parent_external_id and not is_instagram_login_token(token):
            return parent_external_id
        return "me"

    def profile_name(self, data: dict[str, Any]) -> str:
        """The name, else @username."""
        full, handle = data.get("name"), data.get("username")
        name = full if isinstance(full, str) and full else ""
        if not name and isinstance(handle, str) and handle:
            name = f"@{handle}"
        return name

    def connect_targets(self, pages: Sequence[GrantedPage]) -> list[Target]:
        """The Instagram professional account linked to each granted Page."""
        return [
            Target(self.name, p.instagram_id, p.instagram_name or p.name, p.token, p.id)
            for p in pages
            if p.instagram_id
        ]

    def subscription_sharers(
        self, external_id: str, parent_external_id: str | None
    ) -> list[dict[str, str]] | None:
        """The Page as a Messenger account, or other Instagram accounts through it."""
        if parent_external_id is None:
            return None
        return [
            {"platform": MESSENGER.name, "external_id": parent_external_id},
            {"parent_external_id": parent_external_id},
        ]

    def subscription_node(
        self, external_id: str, parent_external_id: str | None, token: str
    ) -> str | None:
        """The Page, for Facebook-Login accounts; Instagram-Login ones are not checked."""
        if parent_external_id and not is_instagram_login_token(token):
            return parent_external_id
        return None

    def refreshes_token(self, token: str) -> bool:
        """Instagram-Login tokens are traded for fresh ones."""
        return is_instagram_login_token(token)

    async def refresh_token(self, graph: GraphApi, token: str) -> RefreshedToken:
        """`GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token`."""
        url = f"{instagram_graph_url(graph.base_url)}/refresh_access_token"
        body = await graph.get(
            url, params={"grant_type": "ig_refresh_token", "access_token": token}
        )
        fresh = body.get("access_token")
        if not isinstance(fresh, str) or not fresh:
            raise GraphError(200, "the refresh answer carried no access_token")
        seconds = body.get("expires_in")
        return RefreshedToken(fresh, seconds if isinstance(seconds, int) else None)


ADAPTER = InstagramAdapter()
