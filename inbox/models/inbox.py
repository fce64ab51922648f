"""The inbox itself: accounts, conversations, messages, analytics and raw webhooks."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.expressions import F
from tortoise.functions import Coalesce
from tortoise.indexes import Index
from tortoise.models import Model

from inbox.models.tenancy import User, Workspace


class PlatformAccount(Model):
    """A connected Page / Instagram account / WhatsApp number, token encrypted at rest."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="accounts", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="accounts", null=True, on_delete=fields.SET_NULL
    )
    user_id: uuid.UUID | None
    platform = fields.CharField(max_length=32)
    external_id = fields.CharField(max_length=64)
    # What webhooks are subscribed through: the Page (Instagram) or the WABA (WhatsApp).
    parent_external_id = fields.CharField(max_length=64, null=True)
    name = fields.CharField(max_length=200, default="")
    access_token = fields.TextField()
    # Encrypted like the token: the secret a per-account webhook carries (Telegram).
    webhook_secret = fields.TextField(null=True)
    token_expires_at = fields.DatetimeField(null=True)
    is_active = fields.BooleanField(default=True)
    slack_channel = fields.CharField(max_length=64, null=True)
    last_webhook_at = fields.DatetimeField(null=True)
    last_synced_at = fields.DatetimeField(null=True)
    subscription_ok = fields.BooleanField(default=True)
    needs_attention = fields.BooleanField(default=False)
    attention_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "platform_accounts"
        unique_together = (("platform", "external_id"),)


class Conversation(Model):
    """One customer talking to one account; mirrored to one Slack thread."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="conversations", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    platform_account: fields.ForeignKeyRelation[PlatformAccount] = fields.ForeignKeyField(
        "models.PlatformAccount", related_name="conversations", on_delete=fields.CASCADE
    )
    platform_account_id: uuid.UUID
    participant_id = fields.CharField(max_length=64)
    participant_name = fields.CharField(max_length=200, default="")
    last_message_at = fields.DatetimeField(null=True)
    last_incoming_at = fields.DatetimeField(null=True)
    unread_count = fields.IntField(default=0)
    slack_channel = fields.CharField(max_length=64, null=True)
    slack_thread_ts = fields.CharField(max_length=32, null=True)
    status = fields.CharField(max_length=16, default="open")
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_conversations", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: uuid.UUID | None
    assignee_slack_user = fields.CharField(max_length=32, null=True)
    # One Slack mirror run per conversation at a time (bot/mirror/lease.py); rerun = more work came.
    slack_lease_owner = fields.CharField(max_length=36, null=True)
    slack_lease_until = fields.DatetimeField(null=True)
    slack_rerun = fields.BooleanField(default=False)
    # "requested" (relink now) or "root_deleted" (relink with the next message);
    # see bot/mirror/relink.py.
    slack_relink = fields.CharField(max_length=16, null=True)
    slack_relinked_at = fields.DatetimeField(null=True)
    slack_card_stale = fields.BooleanField(default=False)
    # The last WhatsApp template sent past the window: the card waits for the customer.
    template_sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversations"
        unique_together = (("platform_account", "participant_id"),)
        # Migration 9 also adds, on PostgreSQL only, the activity index restricted to unread
        # conversations (WHERE unread_count > 0), one for the Slack sweep's states and, with
        # pg_trgm, a trigram index for `?q=` on the participant's name.
        indexes = (
            Index(
                F("workspace_id"),
                Coalesce("last_message_at", F("created_at")),
                F("id"),
                name="idx_conversatio_activit_5d1f0b",
            ),
            ("slack_channel", "slack_thread_ts"),
        )


class Message(Model):
    """One message either way; (account, platform_message_id) is the dedup key."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="messages", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    platform_account: fields.ForeignKeyRelation[PlatformAccount] = fields.ForeignKeyField(
        "models.PlatformAccount", related_name="messages", on_delete=fields.CASCADE
    )
    platform_account_id: uuid.UUID
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    conversation_id: uuid.UUID
    platform_message_id = fields.CharField(max_length=255)
    sender_id = fields.CharField(max_length=64, default="")
    sender_name = fields.CharField(max_length=200, default="")
    content = fields.TextField(default="")
    kind = fields.CharField(max_length=32, default="text")
    attachments: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    is_incoming = fields.BooleanField()
    is_read = fields.BooleanField(default=False)
    is_deleted = fields.BooleanField(default=False)
    status = fields.CharField(max_length=16, default="received")
    error_code = fields.IntField(null=True)
    error_message = fields.TextField(null=True)
    reply_to = fields.CharField(max_length=255, null=True)
    payload = fields.TextField(null=True)
    reaction = fields.CharField(max_length=64, null=True)
    agent = fields.CharField(max_length=200, null=True)
    agent_slack_user = fields.CharField(max_length=32, null=True)
    source = fields.CharField(max_length=16, default="webhook")
    slack_ts = fields.CharField(max_length=32, null=True)
    slack_posted = fields.BooleanField(default=False)
    # What the Slack thread shows: the delivery mark ("deleted" for unsent customer messages)
    # and the customer's reaction; the mirror catches up when these differ from the truth.
    slack_status = fields.CharField(max_length=16, null=True)
    slack_reaction = fields.CharField(max_length=64, null=True)
    # An agent's emoji on a customer message, and what the platform was last told.
    agent_reaction = fields.CharField(max_length=64, null=True)
    agent_reaction_sent = fields.CharField(max_length=64, null=True)
    received_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "messages"
        unique_together = (("platform_account", "platform_message_id"),)
        # Migration 9 also adds, on PostgreSQL with pg_trgm, a trigram index for `?q=`.
        indexes = (
            ("conversation", "received_at"),
            ("workspace", "received_at"),
            ("conversation", "slack_posted"),
            ("slack_posted", "received_at"),
            ("platform_account", "received_at"),
            ("received_at",),
            ("slack_ts",),
        )


class Analytics(Model):
    """Aggregated figures per workspace, date and platform."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="analytics", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    date = fields.DateField()
    platform = fields.CharField(max_length=32)
    total_messages = fields.IntField(default=0)
    messages_in = fields.IntField(default=0)
    messages_out = fields.IntField(default=0)
    new_conversations = fields.IntField(default=0)
    median_first_response_seconds = fields.FloatField(null=True)
    p90_first_response_seconds = fields.FloatField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "analytics"
        unique_together = (("workspace", "date", "platform"),)


class WebhookLog(Model):
    """Every verified webhook body as received, and whether it was processed."""

    id = fields.UUIDField(primary_key=True)
    platform = fields.CharField(max_length=32)
    payload: fields.JSONField[Any] = fields.JSONField()
    processed = fields.BooleanField(default=False)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "webhook_logs"
