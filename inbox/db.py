"""Database wiring: the Tortoise config, connect/close, and the schema version check."""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import DBConnectionError

from inbox.settings import DEFAULT_DATABASE_URL, Settings

MODELS_APP = "models"
# The migrations ship inside the package (inbox/migrations/<app>/), found with importlib.resources.
MIGRATIONS_PACKAGE = "inbox.migrations"


def _tortoise_url(database_url: str) -> str:
    """Tortoise's URL spelling: postgresql:// is accepted as postgres://."""
    if database_url.startswith("postgresql://"):
        return "postgres://" + database_url.removeprefix("postgresql://")
    return database_url


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL (our models + aerich's)."""
    return {
        "connections": {"default": _tortoise_url(database_url)},
        "apps": {
            MODELS_APP: {
                "models": ["inbox.models", "aerich.models"],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


TORTOISE_ORM = tortoise_config(DEFAULT_DATABASE_URL)

# The database cannot be reached right now (down, restarting, the connection lost mid-statement):
# answer 503 so the caller retries. Tortoise passes these asyncpg errors through untranslated.
UNAVAILABLE: tuple[type[Exception], ...] = (
    DBConnectionError,
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    # A pooled connection torn down by a shutdown while a statement starts on it: "cannot
    # switch to state …; another operation is in progress". Retrying on a fresh one works.
    asyncpg.InternalClientError,
)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Pool reset: nothing beyond asyncpg's own (an open transaction is still rolled back).

    The default reset (`RESET ALL`, `UNLISTEN *`, …) costs a round trip on every release,
    i.e. after every statement outside a transaction; cahts changes no session state.
    """


def _connection_config(database_url: str) -> dict[str, Any]:
    config = tortoise_config(database_url)
    expanded = expand_db_url(_tortoise_url(database_url))
    if expanded["engine"] == "tortoise.backends.asyncpg":
        expanded["credentials"]["reset"] = _keep_session
        config["connections"]["default"] = expanded
    return config


async def connect(settings: Settings) -> None:
    """Open the database for this process (visible from every task)."""
    config = _connection_config(settings.database_url)
    forget_statements()
    await Tortoise.init(config=config, _enable_global_fallback=True)


def forget_statements() -> None:
    """Drop Tortoise's per-process cache of built statements before opening a database.

    The cache is keyed by connection name, not by dialect: statements built for SQLite
    (`?` placeholders) would be reused on PostgreSQL after a switch in the same process.
    """
    EXECUTOR_CACHE.clear()


async def close() -> None:
    """Close this process's database connections."""
    await Tortoise.close_connections()
