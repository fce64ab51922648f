"""Slack per workspace: which team's bot serves it (tokens encrypted), its daily digests."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from inbox.models.inbox import PlatformAccount
from inbox.models.tenancy import Workspace


class SlackInstallation(Model):
    """The bot of one Slack team installed through OAuth, serving one cahts workspace."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="slack_installations", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    team_id = fields.CharField(max_length=32, unique=True)
    team_name = fields.CharField(max_length=200, default="")
    enterprise_id = fields.CharField(max_length=32, null=True)
    app_id = fields.CharField(max_length=32, null=True)
    bot_token = fields.TextField()
    bot_id = fields.CharField(max_length=32, null=True)
    bot_user_id = fields.CharField(max_length=32, null=True)
    bot_scopes = fields.TextField(default="")
    installer_user_id = fields.CharField(max_length=32, null=True)
    # The channel picked at install (incoming-webhook): where threads go without an account channel.
    default_channel = fields.CharField(max_length=64, null=True)
    installed_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "slack_installations"


class SlackDigest(Model):
    """One account's daily digest for one day: claimed by one worker, posted once."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="slack_digests", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    account: fields.ForeignKeyRelation[PlatformAccount] = fields.ForeignKeyField(
        "models.PlatformAccount", related_name="slack_digests", on_delete=fields.CASCADE
    )
    account_id: uuid.UUID
    day = fields.DateField()
    # claimed (a run is posting it), posted, failed (retried while attempts are left)
    status = fields.CharField(max_length=16, default="claimed")
    attempts = fields.IntField(default=1)
    claimed_at = fields.DatetimeField()
    channel = fields.CharField(max_length=64, null=True)
    error = fields.TextField(null=True)
    posted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "slack_digests"
        unique_together = (("account", "day"),)
