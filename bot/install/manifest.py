"""The Slack app manifest cahts needs: scopes, events, interactivity, Socket Mode or URLs."""

from __future__ import annotations

from typing import Any

BOT_SCOPES = (
    "chat:write",  # post threads, notices, marks' explanations
    "chat:write.customize",  # post customer messages under the customer's name
    "channels:history",  # message events and thread reads in public channels
    "groups:history",  # the same in private channels
    "channels:read",
    "commands",
    "files:read",  # fetch files agents share in a thread
    "files:write",  # upload customers' photos and files into the thread
    "reactions:read",  # agents' reactions on customer messages, sent on to the platform
    "reactions:write",  # delivery marks on agents' replies, customers' reactions
    "users:read",  # agents' display names
    "incoming-webhook",  # the install asks for the channel new threads go to
)
INSTALL_SCOPES = BOT_SCOPES
BOT_EVENTS = (
    "message.channels",
    "message.groups",
    "reaction_added",
    "reaction_removed",
    "app_uninstalled",
    "tokens_revoked",
)
COMMAND = "/inbox"
RELINK_SHORTCUT = "relink_thread"


def manifest(public_url: str, *, socket_mode: bool, name: str = "cahts") -> dict[str, Any]:
    """The manifest as a dict (Slack accepts it as JSON)."""
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Your social inbox: stats, connect, status, digest, relink (/inbox help)",
        "usage_hint": "stats [7d] | connect whatsapp | status | digest on 9 | relink … | help",
        "should_escape": False,
    }
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if not socket_mode:
        events["request_url"] = f"{public_url}/slack/events"
        interactivity["request_url"] = f"{public_url}/slack/events"
        command["url"] = f"{public_url}/slack/events"
        oauth["redirect_urls"] = [f"{public_url}/slack/oauth_redirect"]
    return {
        "display_information": {
            "name": name,
            "description": "Your Instagram, Messenger and WhatsApp inbox in Slack threads.",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
            "shortcuts": [
                {
                    "name": "Relink thread",
                    "type": "message",
                    "callback_id": RELINK_SHORTCUT,
                    "description": "Re-create this conversation's thread and repeat its history",
                }
            ],
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
