"""Tortoise models: the seed's tables and columns, owned by workspaces."""

from inbox.models.auth import LoginAttempt, OAuthState, RefreshToken
from inbox.models.delivery import Outbox, SlackEvent
from inbox.models.inbox import Analytics, Conversation, Message, PlatformAccount, WebhookLog
from inbox.models.slack import SlackDigest, SlackInstallation
from inbox.models.templates import WhatsAppTemplate
from inbox.models.tenancy import Invite, User, Workspace

__all__ = [
    "Analytics",
    "Conversation",
    "Invite",
    "LoginAttempt",
    "Message",
    "OAuthState",
    "Outbox",
    "PlatformAccount",
    "RefreshToken",
    "SlackDigest",
    "SlackEvent",
    "SlackInstallation",
    "User",
    "WebhookLog",
    "WhatsAppTemplate",
    "Workspace",
]
