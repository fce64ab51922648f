"""WhatsApp templates: the table kept from Meta's list, when a conversation got one, and
the outbox's idempotency key (a template submitted twice is sent once).

DDL as Tortoise's schema generator writes it for the models (tests/test_schema.py checks
that the migrated database has every model column, on PostgreSQL and on SQLite). SQLite
cannot add a UNIQUE column, so there the uniqueness is a unique index.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
ALTER TABLE "conversations" ADD "template_sent_at" TIMESTAMPTZ;
ALTER TABLE "outbox" ADD "idempotency_key" VARCHAR(128) UNIQUE;
CREATE TABLE IF NOT EXISTS "whatsapp_templates" (
    "id" UUID NOT NULL PRIMARY KEY,
    "waba_id" VARCHAR(64) NOT NULL,
    "external_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(512) NOT NULL,
    "language" VARCHAR(16) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "category" VARCHAR(32) NOT NULL,
    "parameter_format" VARCHAR(16) NOT NULL,
    "components" JSONB NOT NULL,
    "synced_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_whatsapp_te_workspa_db1e27" UNIQUE ("workspace_id", "waba_id", "name", "language")
);
CREATE INDEX IF NOT EXISTS "idx_whatsapp_te_waba_id_b175ad" ON "whatsapp_templates" ("waba_id", "external_id");
COMMENT ON TABLE "whatsapp_templates" IS 'One template in one language of one WABA; only APPROVED ones are offered.';
"""

SQLITE = r"""
ALTER TABLE "conversations" ADD COLUMN "template_sent_at" TIMESTAMP;
ALTER TABLE "outbox" ADD COLUMN "idempotency_key" VARCHAR(128);
CREATE UNIQUE INDEX IF NOT EXISTS "uid_outbox_idempotency_key" ON "outbox" ("idempotency_key");
CREATE TABLE IF NOT EXISTS "whatsapp_templates" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "waba_id" VARCHAR(64) NOT NULL,
    "external_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(512) NOT NULL,
    "language" VARCHAR(16) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "category" VARCHAR(32) NOT NULL,
    "parameter_format" VARCHAR(16) NOT NULL,
    "components" JSON NOT NULL,
    "synced_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_whatsapp_te_workspa_db1e27" UNIQUE ("workspace_id", "waba_id", "name", "language")
) /* One template in one language of one WABA; only APPROVED ones are offered. */;
CREATE INDEX IF NOT EXISTS "idx_whatsapp_te_waba_id_b175ad" ON "whatsapp_templates" ("waba_id", "external_id");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "sqlite":
        return r"""DROP TABLE IF EXISTS "whatsapp_templates";"""
    return r"""
DROP TABLE IF EXISTS "whatsapp_templates";
ALTER TABLE "conversations" DROP COLUMN IF EXISTS "template_sent_at";
ALTER TABLE "outbox" DROP COLUMN IF EXISTS "idempotency_key";
"""
