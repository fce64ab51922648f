"""Sessions and one-time secrets: refresh tokens, OAuth states, login attempts."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from inbox.models.tenancy import User, Workspace


class RefreshToken(Model):
    """A refresh token (stored hashed); rotation chains tokens of one family."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    family_id = fields.UUIDField(db_index=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refresh_tokens"


class OAuthState(Model):
    """A single-use, short-lived OAuth `state`, bound to the user who started the flow."""

    id = fields.UUIDField(primary_key=True)
    state_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="oauth_states", null=True, on_delete=fields.CASCADE
    )
    user_id: uuid.UUID | None
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="oauth_states", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    platform = fields.CharField(max_length=32)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    # Started with `/inbox connect` (no cahts user): the Slack team, user and channel to answer.
    slack_team = fields.CharField(max_length=32, null=True)
    slack_user = fields.CharField(max_length=32, null=True)
    slack_channel = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_states"


class LoginAttempt(Model):
    """One login try, for throttling per account and per address."""

    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    address = fields.CharField(max_length=64, db_index=True)
    succeeded = fields.BooleanField()
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "login_attempts"
