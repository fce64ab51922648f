"""Rows as the REST API, the WebSocket and the event bus show them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from inbox import display
from inbox.models import Invite, PlatformAccount, User, Workspace


class MessageFields(Protocol):
    """What a message's JSON shows: a Message row, or one the ingest batch just inserted."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def conversation_id(self) -> uuid.UUID: ...
    @property
    def platform_account_id(self) -> uuid.UUID: ...
    @property
    def platform_message_id(self) -> str: ...
    @property
    def sender_id(self) -> str: ...
    @property
    def sender_name(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def attachments(self) -> list[dict[str, Any]]: ...
    @property
    def is_incoming(self) -> bool: ...
    @property
    def is_read(self) -> bool: ...
    @property
    def is_deleted(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def error_code(self) -> int | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def reply_to(self) -> str | None: ...
    @property
    def reaction(self) -> str | None: ...
    @property
    def agent(self) -> str | None: ...
    @property
    def received_at(self) -> datetime: ...


class ConversationFields(Protocol):
    """What a conversation's JSON shows: a Conversation row, or one an ingest batch locked."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def workspace_id(self) -> uuid.UUID: ...
    @property
    def platform_account_id(self) -> uuid.UUID: ...
    @property
    def participant_id(self) -> str: ...
    @property
    def participant_name(self) -> str: ...
    @property
    def last_message_at(self) -> datetime | None: ...
    @property
    def last_incoming_at(self) -> datetime | None: ...
    @property
    def unread_count(self) -> int: ...
    @property
    def slack_channel(self) -> str | None: ...
    @property
    def slack_thread_ts(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def assignee_id(self) -> uuid.UUID | None: ...
    @property
    def assignee_slack_user(self) -> str | None: ...
    @property
    def template_sent_at(self) -> datetime | None: ...


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _display(message: MessageFields) -> list[dict[str, Any]]:
    """The structured parts as lines for people (inbox/display.py); nothing once unsent."""
    if message.is_deleted:
        return []
    customer = (message.sender_name if message.is_incoming else "") or "The customer"
    found = display.lines(message.kind, message.attachments, customer)
    return [line.wire() for line in found]


def message_dict(message: MessageFields, platform: str | None = None) -> dict[str, Any]:
    """A message as JSON."""
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "platform_account_id": str(message.platform_account_id),
        "platform": platform,
        "platform_message_id": message.platform_message_id,
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "content": message.content,
        "kind": message.kind,
        "attachments": message.attachments,
        "display": _display(message),
        "is_incoming": message.is_incoming,
        "is_read": message.is_read,
        "is_deleted": message.is_deleted,
        "status": message.status,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "reply_to": message.reply_to,
        "reaction": message.reaction,
        "agent": message.agent,
        "received_at": _iso(message.received_at),
    }


def conversation_dict(
    conversation: ConversationFields, platform: str | None = None
) -> dict[str, Any]:
    """A conversation as JSON."""
    return {
        "id": str(conversation.id),
        "platform_account_id": str(conversation.platform_account_id),
        "platform": platform,
        "participant_id": conversation.participant_id,
        "participant_name": conversation.participant_name,
        "last_message_at": _iso(conversation.last_message_at),
        "last_incoming_at": _iso(conversation.last_incoming_at),
        "unread_count": conversation.unread_count,
        "slack_channel": conversation.slack_channel,
        "slack_thread_ts": conversation.slack_thread_ts,
        "status": conversation.status,
        "assignee_id": (str(conversation.assignee_id) if conversation.assignee_id else None),
        "assignee_slack_user": conversation.assignee_slack_user,
        "template_sent_at": _iso(conversation.template_sent_at),
    }


def account_dict(account: PlatformAccount) -> dict[str, Any]:
    """A platform account as JSON; the token never appears."""
    return {
        "id": str(account.id),
        "platform": account.platform,
        "external_id": account.external_id,
        "name": account.name,
        "is_active": account.is_active,
        "slack_channel": account.slack_channel,
        "token_expires_at": _iso(account.token_expires_at),
        "last_webhook_at": _iso(account.last_webhook_at),
        "last_synced_at": _iso(account.last_synced_at),
        "subscription_ok": account.subscription_ok,
        "needs_attention": account.needs_attention,
        "attention_reason": account.attention_reason,
        "created_at": _iso(account.created_at),
    }


def user_dict(user: User, workspace: Workspace | None = None) -> dict[str, Any]:
    """A dashboard/API user as JSON; the password hash never appears."""
    data: dict[str, Any] = {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "workspace_id": str(user.workspace_id),
        "created_at": _iso(user.created_at),
    }
    if workspace is not None:
        data["workspace"] = {"id": str(workspace.id), "name": workspace.name}
    return data


def invite_dict(invite: Invite) -> dict[str, Any]:
    """An invite code as JSON (shown to the workspace's owner only)."""
    return {
        "id": str(invite.id),
        "code": invite.code,
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "expires_at": _iso(invite.expires_at),
        "created_at": _iso(invite.created_at),
    }
