"""Who owns what: workspaces (a team sharing one inbox), their users and invites."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class Workspace(Model):
    """A team sharing one inbox: it owns accounts, conversations and messages."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    slack_team_id = fields.CharField(max_length=32, null=True, unique=True)
    digest_enabled = fields.BooleanField(default=False)
    digest_hour_utc = fields.IntField(default=9)
    digest_channel = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "workspaces"


class User(Model):
    """A dashboard/API user, member of one workspace."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="users", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=256)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharField(max_length=16, default="member")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class Invite(Model):
    """A code an owner hands out so others can register into the workspace."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="invites", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invites", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: uuid.UUID | None
    code = fields.CharField(max_length=64, unique=True)
    max_uses = fields.IntField(default=1)
    uses = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invites"
