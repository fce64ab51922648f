"""Slack threads that heal and act: relink, card refresh, agents' reactions, OAuth installs."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
ALTER TABLE "conversations" ADD "slack_relink" VARCHAR(16);
ALTER TABLE "conversations" ADD "slack_relinked_at" TIMESTAMPTZ;
ALTER TABLE "conversations" ADD "slack_card_stale" BOOL NOT NULL DEFAULT False;
ALTER TABLE "messages" ADD "agent_reaction" VARCHAR(64);
ALTER TABLE "messages" ADD "agent_reaction_sent" VARCHAR(64);
CREATE TABLE IF NOT EXISTS "slack_installations" (
    "id" UUID NOT NULL PRIMARY KEY,
    "team_id" VARCHAR(32) NOT NULL UNIQUE,
    "team_name" VARCHAR(200) NOT NULL,
    "enterprise_id" VARCHAR(32),
    "app_id" VARCHAR(32),
    "bot_token" TEXT NOT NULL,
    "bot_id" VARCHAR(32),
    "bot_user_id" VARCHAR(32),
    "bot_scopes" TEXT NOT NULL,
    "installer_user_id" VARCHAR(32),
    "default_channel" VARCHAR(64),
    "installed_at" TIMESTAMPTZ NOT NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "slack_installations" IS 'The bot of one Slack team installed through OAuth, serving one cahts workspace.';
"""

SQLITE = r"""
ALTER TABLE "conversations" ADD COLUMN "slack_relink" VARCHAR(16);
ALTER TABLE "conversations" ADD COLUMN "slack_relinked_at" TIMESTAMP;
ALTER TABLE "conversations" ADD COLUMN "slack_card_stale" INT NOT NULL DEFAULT 0;
ALTER TABLE "messages" ADD COLUMN "agent_reaction" VARCHAR(64);
ALTER TABLE "messages" ADD COLUMN "agent_reaction_sent" VARCHAR(64);
CREATE TABLE IF NOT EXISTS "slack_installations" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "team_id" VARCHAR(32) NOT NULL UNIQUE,
    "team_name" VARCHAR(200) NOT NULL,
    "enterprise_id" VARCHAR(32),
    "app_id" VARCHAR(32),
    "bot_token" TEXT NOT NULL,
    "bot_id" VARCHAR(32),
    "bot_user_id" VARCHAR(32),
    "bot_scopes" TEXT NOT NULL,
    "installer_user_id" VARCHAR(32),
    "default_channel" VARCHAR(64),
    "installed_at" TIMESTAMP NOT NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
) /* The bot of one Slack team installed through OAuth, serving one cahts workspace. */;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
