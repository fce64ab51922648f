"""Accounts whose webhooks carry their own secret (Telegram's secret_token) keep it encrypted."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
ALTER TABLE "platform_accounts" ADD "webhook_secret" TEXT;
"""

SQLITE = r"""
ALTER TABLE "platform_accounts" ADD COLUMN "webhook_secret" TEXT;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    return r"""
ALTER TABLE "platform_accounts" DROP COLUMN "webhook_secret";
"""
