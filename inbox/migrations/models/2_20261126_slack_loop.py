"""The Slack loop: a per-conversation mirror lease, and what each message's thread shows."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
ALTER TABLE "conversations" ADD "slack_lease_owner" VARCHAR(36);
ALTER TABLE "conversations" ADD "slack_lease_until" TIMESTAMPTZ;
ALTER TABLE "conversations" ADD "slack_rerun" BOOL NOT NULL DEFAULT False;
ALTER TABLE "messages" ADD "slack_status" VARCHAR(16);
ALTER TABLE "messages" ADD "slack_reaction" VARCHAR(64);
CREATE INDEX IF NOT EXISTS "idx_messages_slack_p_d86e9b" ON "messages" ("slack_posted", "received_at");
"""

SQLITE = r"""
ALTER TABLE "conversations" ADD COLUMN "slack_lease_owner" VARCHAR(36);
ALTER TABLE "conversations" ADD COLUMN "slack_lease_until" TIMESTAMP;
ALTER TABLE "conversations" ADD COLUMN "slack_rerun" INT NOT NULL DEFAULT 0;
ALTER TABLE "messages" ADD COLUMN "slack_status" VARCHAR(16);
ALTER TABLE "messages" ADD COLUMN "slack_reaction" VARCHAR(64);
CREATE INDEX IF NOT EXISTS "idx_messages_slack_p_d86e9b" ON "messages" ("slack_posted", "received_at");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
