"""Durable outbound work: the send outbox and processed Slack event ids."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from inbox.models.inbox import Message
from inbox.models.tenancy import Workspace


class Outbox(Model):
    """A send that must happen: written with its message before the task is enqueued."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="outbox", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    message: fields.OneToOneRelation[Message] = fields.OneToOneField(
        "models.Message", related_name="outbox", on_delete=fields.CASCADE
    )
    message_id: uuid.UUID
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    # Set by a send that may be asked for twice (a template's Slack submit, an API retry).
    idempotency_key = fields.CharField(max_length=128, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "outbox"


class SlackEvent(Model):
    """A Slack event id already handled: Slack retries must not act twice."""

    event_id = fields.CharField(max_length=64, primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "slack_events"
