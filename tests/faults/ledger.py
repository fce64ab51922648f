"""What the database holds after a fault run, compared with what the sender sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg

from inbox import db
from inbox.settings import Settings, load_settings
from tests.conftest import cahts_env


def asyncpg_url(url: str) -> str:
    """asyncpg's spelling of a postgres:// URL."""
    return url.replace("postgres://", "postgresql://", 1)


async def fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """The rows of one query ($1… bound to `args`) on the database at `url`, own connection."""
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def recreate_database(url: str) -> str:
    """Drop and create the database the URL names (on its server); returns the URL."""
    admin, _, name = asyncpg_url(url).rpartition("/")
    conn = await asyncpg.connect(f"{admin}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url


@asynccontextmanager
async def connected(url: str, **env: str) -> AsyncIterator[Settings]:
    """Tortoise opened on this database in the current process (for factories and services)."""
    settings = load_settings(cahts_env(url, **env), read_dotenv=False)
    await db.connect(settings)
    try:
        yield settings
    finally:
        await db.close()


@dataclass
class Ledger:
    """Messages sent and acknowledged against the rows stored."""

    sent: int
    acknowledged: int
    stored: int
    distinct_stored: int
    lost: set[str] = field(default_factory=set)  # acknowledged but not stored
    missing: set[str] = field(default_factory=set)  # sent, never stored
    unexpected: set[str] = field(default_factory=set)  # stored, never sent
    webhook_logs: int = 0
    unprocessed_logs: int = 0
    unread_mismatches: int = 0  # conversations whose unread count differs from their messages

    @property
    def duplicated(self) -> int:
        """Rows stored more than once for one platform message id."""
        return self.stored - self.distinct_stored

    def line(self) -> str:
        """The figures on one line."""
        return (
            f"sent {self.sent}, acknowledged {self.acknowledged}, stored {self.distinct_stored}, "
            f"lost {len(self.lost)}, missing {len(self.missing)}, duplicated {self.duplicated}, "
            f"webhook_logs {self.webhook_logs}"
        )


async def ledger(url: str, sent: set[str], acknowledged: set[str]) -> Ledger:
    """Compare the database at `url` with the messages sent and acknowledged."""
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        rows = await conn.fetch("SELECT platform_message_id FROM messages WHERE is_incoming")
        logs = await conn.fetchrow(
            "SELECT count(*) AS total, count(*) FILTER (WHERE NOT processed) AS open"
            " FROM webhook_logs"
        )
        mismatches = await conn.fetchval(
            "SELECT count(*) FROM conversations c WHERE c.unread_count <>"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id"
            "  AND m.is_incoming AND NOT m.is_read)"
        )
    finally:
        await conn.close()
    stored = [r["platform_message_id"] for r in rows]
    distinct = set(stored)
    return Ledger(
        sent=len(sent),
        acknowledged=len(acknowledged),
        stored=len(stored),
        distinct_stored=len(distinct),
        lost=acknowledged - distinct,
        missing=sent - distinct,
        unexpected=distinct - sent,
        webhook_logs=int(logs["total"]),
        unprocessed_logs=int(logs["open"]),
        unread_mismatches=int(mismatches),
    )
