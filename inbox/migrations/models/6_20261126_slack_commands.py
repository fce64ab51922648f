"""Slack commands: OAuth states started from `/inbox connect`, and daily digest claims."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
ALTER TABLE "oauth_states" ADD "slack_team" VARCHAR(32);
ALTER TABLE "oauth_states" ADD "slack_user" VARCHAR(32);
ALTER TABLE "oauth_states" ADD "slack_channel" VARCHAR(64);
CREATE TABLE IF NOT EXISTS "slack_digests" (
    "id" UUID NOT NULL PRIMARY KEY,
    "day" DATE NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'claimed',
    "attempts" INT NOT NULL DEFAULT 1,
    "claimed_at" TIMESTAMPTZ NOT NULL,
    "channel" VARCHAR(64),
    "error" TEXT,
    "posted_at" TIMESTAMPTZ,
    "account_id" UUID NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_slack_diges_account_ae4901" UNIQUE ("account_id", "day")
);
COMMENT ON TABLE "slack_digests" IS 'One account''s daily digest for one day: claimed by one worker, posted once.';
"""

SQLITE = r"""
ALTER TABLE "oauth_states" ADD COLUMN "slack_team" VARCHAR(32);
ALTER TABLE "oauth_states" ADD COLUMN "slack_user" VARCHAR(32);
ALTER TABLE "oauth_states" ADD COLUMN "slack_channel" VARCHAR(64);
CREATE TABLE IF NOT EXISTS "slack_digests" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "day" DATE NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'claimed',
    "attempts" INT NOT NULL DEFAULT 1,
    "claimed_at" TIMESTAMP NOT NULL,
    "channel" VARCHAR(64),
    "error" TEXT,
    "posted_at" TIMESTAMP,
    "account_id" CHAR(36) NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_slack_diges_account_ae4901" UNIQUE ("account_id", "day")
) /* One account's daily digest for one day: claimed by one worker, posted once. */;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
