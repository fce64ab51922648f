"""Platform accounts remember what webhooks are subscribed through (Page for Instagram, WABA)."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
ALTER TABLE "platform_accounts" ADD "parent_external_id" VARCHAR(64);
"""

SQLITE = r"""
ALTER TABLE "platform_accounts" ADD COLUMN "parent_external_id" VARCHAR(64);
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
