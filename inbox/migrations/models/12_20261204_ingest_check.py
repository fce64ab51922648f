"""The check the one-statement ingest batch makes before it commits (PostgreSQL only).

A batch of webhooks is stored by one statement with no transaction around it. What it
assumed when it began (the accounts it was routed with, the messages not stored yet) is
checked inside that statement; when it no longer holds, this raises a serialization
failure (40001), the statement writes nothing, and the batch is stored again from fresh reads.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
CREATE OR REPLACE FUNCTION cahts_retry_unless(ok boolean, why text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'cahts ingest: ' || why;
    END IF;
    RETURN true;
END $$;
"""

SQLITE = r"""
SELECT 1;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "sqlite":
        return SQLITE
    return r"""
DROP FUNCTION IF EXISTS cahts_retry_unless(boolean, text);
"""
