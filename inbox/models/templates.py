"""WhatsApp message templates as Meta lists them for a WhatsApp Business Account (WABA)."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from inbox.models.tenancy import Workspace


class WhatsAppTemplate(Model):
    """One template in one language of one WABA; only APPROVED ones are offered."""

    id = fields.UUIDField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="whatsapp_templates", on_delete=fields.CASCADE
    )
    workspace_id: uuid.UUID
    waba_id = fields.CharField(max_length=64)
    external_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=512)
    language = fields.CharField(max_length=16)
    status = fields.CharField(max_length=32)
    category = fields.CharField(max_length=32, default="")
    parameter_format = fields.CharField(max_length=16, default="POSITIONAL")
    components: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    synced_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "whatsapp_templates"
        unique_together = (("workspace", "waba_id", "name", "language"),)
        indexes = (("waba_id", "external_id"),)
