"""Indexes for the lists, filters, Slack lookups and periodic tasks, checked on 1M messages.

See docs/performance.md (query plans) for the plan of each query before and after. On a big
existing database these builds lock writes to `messages` for a while; an operator can build
them first with CREATE INDEX CONCURRENTLY under the same names, and this step skips them.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
CREATE INDEX IF NOT EXISTS "idx_messages_platfor_30c766" ON "messages" ("platform_account_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_receive_9a93fd" ON "messages" ("received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_slack_t_2ea73c" ON "messages" ("slack_ts");
CREATE INDEX IF NOT EXISTS "idx_conversatio_activit_5d1f0b" ON "conversations" ("workspace_id", (COALESCE("last_message_at", "created_at")), "id");
CREATE INDEX IF NOT EXISTS "idx_conversatio_unread_8c2e41" ON "conversations" ("workspace_id", (COALESCE("last_message_at", "created_at")), "id") WHERE "unread_count" > 0;
CREATE INDEX IF NOT EXISTS "idx_conversatio_slack_c_227495" ON "conversations" ("slack_channel", "slack_thread_ts");
CREATE INDEX IF NOT EXISTS "idx_conversatio_sweep_4b7a9e" ON "conversations" ("slack_lease_until") WHERE "slack_lease_owner" IS NOT NULL OR "slack_relink" IS NOT NULL OR "slack_card_stale";
DROP INDEX IF EXISTS "idx_conversatio_workspa_32a8e0";
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%); text search (?q=) works without its index', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS "idx_messages_content_7f3a21" ON "messages"
            USING GIN ((UPPER(CAST("content" AS VARCHAR))) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS "idx_conversatio_partici_6e0d52" ON "conversations"
            USING GIN ((UPPER(CAST("participant_name" AS VARCHAR))) gin_trgm_ops);
    END IF;
END $$;
"""

SQLITE = r"""
CREATE INDEX IF NOT EXISTS "idx_messages_platfor_30c766" ON "messages" ("platform_account_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_receive_9a93fd" ON "messages" ("received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_slack_t_2ea73c" ON "messages" ("slack_ts");
CREATE INDEX IF NOT EXISTS "idx_conversatio_activit_5d1f0b" ON "conversations" ("workspace_id", COALESCE("last_message_at", "created_at"), "id");
CREATE INDEX IF NOT EXISTS "idx_conversatio_slack_c_227495" ON "conversations" ("slack_channel", "slack_thread_ts");
DROP INDEX IF EXISTS "idx_conversatio_workspa_32a8e0";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "sqlite":
        return r"""
DROP INDEX IF EXISTS "idx_messages_platfor_30c766";
DROP INDEX IF EXISTS "idx_messages_receive_9a93fd";
DROP INDEX IF EXISTS "idx_messages_slack_t_2ea73c";
DROP INDEX IF EXISTS "idx_conversatio_activit_5d1f0b";
DROP INDEX IF EXISTS "idx_conversatio_slack_c_227495";
CREATE INDEX IF NOT EXISTS "idx_conversatio_workspa_32a8e0" ON "conversations" ("workspace_id", "last_message_at");
"""
    return r"""
DROP INDEX IF EXISTS "idx_messages_platfor_30c766";
DROP INDEX IF EXISTS "idx_messages_receive_9a93fd";
DROP INDEX IF EXISTS "idx_messages_slack_t_2ea73c";
DROP INDEX IF EXISTS "idx_messages_content_7f3a21";
DROP INDEX IF EXISTS "idx_conversatio_partici_6e0d52";
DROP INDEX IF EXISTS "idx_conversatio_activit_5d1f0b";
DROP INDEX IF EXISTS "idx_conversatio_unread_8c2e41";
DROP INDEX IF EXISTS "idx_conversatio_slack_c_227495";
DROP INDEX IF EXISTS "idx_conversatio_sweep_4b7a9e";
CREATE INDEX IF NOT EXISTS "idx_conversatio_workspa_32a8e0" ON "conversations" ("workspace_id", "last_message_at");
"""
